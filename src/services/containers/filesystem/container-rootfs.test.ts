import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { notFound } from '../../../errdefs/index.js';
import { runCommand } from '../../../lib/exec-file.js';
import { isMountpoint, mountAll } from '../../../plugins/snapshots/mount.js';
import { OverlaySnapshotter } from '../../../plugins/snapshots/overlay-snapshotter.js';
import { ContainerRootfs, etcFileMounts } from './container-rootfs.js';
import type { ContainerFsDeps } from './fs-deps.js';

/**
 * ContainerRootfs over a real overlay snapshotter and real mounts, for a stopped container (no
 * runtime: the container record and the lock are plain stand-ins of the lifecycle's).
 */
describe('ContainerRootfs (stopped container, real overlay mounts)', () => {
  let base: string;
  let deps: ContainerFsDeps;
  let rec: ContainerRecord;
  const thawed: string[] = [];

  before(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-rootfs-'));
    const snapshots = await OverlaySnapshotter.open(path.join(base, 'overlay'));
    await snapshots.prepare('layer');
    const layer = snapshots.writableDir('layer');
    for (const d of ['etc', 'bin']) await fs.mkdir(path.join(layer, d));
    await fs.writeFile(path.join(layer, 'etc/hostname'), '');
    await fs.writeFile(path.join(layer, 'bin/gone'), 'x');
    await snapshots.commit('sha256:layer', 'layer');
    await snapshots.prepare('ctr', 'sha256:layer');
    const upper = snapshots.writableDir('ctr');
    await fs.mkdir(path.join(upper, 'bin'));
    // A whiteout for /bin/gone, as overlayfs writes it (0:0 character device).
    await fs.writeFile(path.join(upper, 'new'), 'rw layer');
    await runCommand('mknod', [path.join(upper, 'bin/gone'), 'c', '0', '0']);
    const hostname = path.join(base, 'hostname');
    await fs.writeFile(hostname, 'ctr-host\n');
    rec = { id: 'a'.repeat(64), state: { status: 'exited' }, snapshotKey: 'ctr', hostnamePath: hostname, hostsPath: '', resolvConfPath: '' } as unknown as ContainerRecord;
    deps = {
      containers: {
        get: (id) => {
          if (id !== rec.id && id !== 'ctr') throw notFound(`No such container: ${id}`);
          return rec;
        },
        find: (id) => (id === rec.id ? rec : undefined),
        bundleDir: () => path.join(base, 'bundle'),
      },
      snapshots,
      withLock: (_id, fn) => fn(),
      freeze: async () => {},
      thaw: async (id) => {
        thawed.push(id);
      },
      mountsOf: etcFileMounts,
      scratchDir: path.join(base, 'scratch'),
    };
  });
  after(() => fs.rm(base, { recursive: true, force: true }));

  it('reads the snapshot through a read-only overlay with the container mounts bound on it', async () => {
    const rootfs = await ContainerRootfs.open(deps);
    let root = '';
    await rootfs.use('ctr', 'read', async (view) => {
      root = view.root;
      assert.equal(await fs.readFile(path.join(view.root, 'new'), 'utf8'), 'rw layer');
      await assert.rejects(fs.access(path.join(view.root, 'bin/gone')), 'the whiteout hides the lower file');
      assert.equal(await fs.readFile(path.join(view.root, 'etc/hostname'), 'utf8'), 'ctr-host\n', 'the hostname file is bound');
      await assert.rejects(fs.writeFile(path.join(view.root, 'x'), ''), /EROFS/);
    });
    assert.equal(await isMountpoint(root), false);
    assert.deepEqual(await fs.readdir(deps.scratchDir), []);
  });

  it('writes into the snapshot itself with write access', async () => {
    const rootfs = await ContainerRootfs.open(deps);
    await rootfs.use('ctr', 'write', async (view) => {
      await fs.writeFile(path.join(view.root, 'written'), 'y');
    });
    assert.equal(await fs.readFile(path.join(deps.snapshots.writableDir('ctr'), 'written'), 'utf8'), 'y');
    assert.equal(await fs.readFile(path.join(base, 'hostname'), 'utf8'), 'ctr-host\n');
    assert.deepEqual(await fs.readdir(deps.scratchDir), []);
  });

  it('unmounts even when the operation fails, and refuses unknown containers', async () => {
    const rootfs = await ContainerRootfs.open(deps);
    await assert.rejects(
      rootfs.use('ctr', 'read', async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await fs.readdir(deps.scratchDir), []);
    await assert.rejects(rootfs.use('nosuch', 'read', async () => {}), /No such container: nosuch/);
  });

  it('cleans up after a crash: leftover mounts removed, containers left frozen thawed', async () => {
    const leftover = path.join(deps.scratchDir, 'aaaaaaaaaaaa-dead');
    await fs.mkdir(leftover);
    await mountAll([{ type: 'bind', source: base, options: ['bind'] }], leftover);
    await fs.writeFile(path.join(deps.scratchDir, 'aaaaaaaaaaaa-dead.frozen'), rec.id);
    rec.state.status = 'running';
    try {
      await ContainerRootfs.open(deps);
    } finally {
      rec.state.status = 'exited';
    }
    assert.equal(await isMountpoint(leftover), false);
    assert.deepEqual(await fs.readdir(deps.scratchDir), []);
    assert.deepEqual(thawed, [rec.id]);
  });
});
