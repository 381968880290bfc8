import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { applyLayer } from '../../lib/tar/apply-layer.js';
import { tarBuffer } from '../../lib/tar/tar-writer.js';
import type { MountSpec, Snapshotter } from './snapshotter.js';

/** What a conformance-suite factory hands back. */
export interface SnapshotterFixture {
  /** A fresh, empty snapshotter. */
  snapshotter: Snapshotter;
  /** A new instance on the same state, as after a daemon restart. */
  reopen(): Promise<Snapshotter>;
  /** Performs mounts on a directory, and undoes them (the suite really mounts). */
  mount(mounts: MountSpec[], target: string): Promise<void>;
  unmount(target: string): Promise<void>;
  cleanup(): Promise<void>;
}

const file = (name: string, data: string) => ({ header: { name, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000 }, data });
const dir = (name: string) => ({ header: { name, type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, mtime: 1_600_000_000 } });

/**
 * The Snapshotter conformance suite (containerd's core/snapshots/testsuite): layered content,
 * whiteouts and opaque directories through real mounts, commit/remove rules, and state surviving
 * a restart. Needs root (it mounts).
 */
export function runSnapshotterSuite(name: string, factory: () => Promise<SnapshotterFixture>): void {
  describe(`Snapshotter conformance: ${name}`, () => {
    let fx: SnapshotterFixture;
    let sn: Snapshotter;
    let work: string;
    const mounted: string[] = [];
    before(async () => {
      fx = await factory();
      sn = fx.snapshotter;
      work = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-sn-mnt-'));
    });
    after(async () => {
      for (const m of mounted) await fx.unmount(m);
      await fs.rm(work, { recursive: true, force: true });
      await fx.cleanup();
    });

    /** Mounts `key`'s mounts on a fresh dir, runs `fn` on it, always unmounts. */
    async function withMount<T>(mounts: MountSpec[], fn: (target: string) => Promise<T>): Promise<T> {
      const target = await fs.mkdtemp(path.join(work, 'm-'));
      await fx.mount(mounts, target);
      mounted.push(target);
      try {
        return await fn(target);
      } finally {
        await fx.unmount(target);
        mounted.splice(mounted.indexOf(target), 1);
      }
    }
    const read = (root: string, p: string) => fs.readFile(path.join(root, p), 'utf8');

    it('a parentless active snapshot is a writable directory; commit makes it a layer', async () => {
      const mounts = await sn.prepare('base-active');
      await withMount(mounts, async (t) => {
        await fs.mkdir(path.join(t, 'etc'));
        await fs.writeFile(path.join(t, 'etc/base'), 'base');
        await fs.writeFile(path.join(t, 'etc/gone'), 'gone');
        await fs.writeFile(path.join(t, 'doomed'), 'x');
        await fs.mkdir(path.join(t, 'opq'));
        await fs.writeFile(path.join(t, 'opq/lower'), 'lower');
      });
      assert.equal(await read(sn.writableDir('base-active'), 'etc/base'), 'base');
      await sn.commit('base', 'base-active', { layer: '1' });
      const info = await sn.stat('base');
      assert.equal(info.kind, 'committed');
      assert.deepEqual(info.labels, { layer: '1' });
      await assert.rejects(sn.stat('base-active'), (e) => isKind(e, 'NotFound'));
    });

    it('an active snapshot on a parent layers changes; whiteouts and opaque dirs hide lower content', async () => {
      const mounts = await sn.prepare('l2-active', 'base');
      assert.deepEqual(await sn.lowerDirs('l2-active'), [sn.writableDir('base')]);
      await withMount(mounts, async (t) => {
        assert.equal(await read(t, 'etc/base'), 'base');
        await fs.writeFile(path.join(t, 'etc/second'), 'second');
        await fs.rm(path.join(t, 'doomed'));
        await fs.rm(path.join(t, 'opq'), { recursive: true });
        await fs.mkdir(path.join(t, 'opq'));
        await fs.writeFile(path.join(t, 'opq/upper'), 'upper');
      });
      await sn.commit('l2', 'l2-active');
      // A layer applied straight into a snapshot's directory, with OCI whiteouts from the tar.
      await sn.prepare('l3-active', 'l2');
      // Two whiteouts in one layer (appliers may share one whiteout inode between them).
      const tar = await tarBuffer([dir('etc'), file('etc/.wh.second', ''), file('etc/.wh.gone', ''), file('third', 'third')]);
      await applyLayer(Readable.from([tar]), sn.writableDir('l3-active'), { whiteouts: 'overlay' });
      await sn.commit('l3', 'l3-active');
      await withMount(await sn.view('l3-view', 'l3'), async (t) => {
        assert.deepEqual((await fs.readdir(t)).sort(), ['etc', 'opq', 'third']);
        assert.deepEqual(await fs.readdir(path.join(t, 'etc')), ['base']);
        assert.deepEqual(await fs.readdir(path.join(t, 'opq')), ['upper']);
        await assert.rejects(fs.writeFile(path.join(t, 'x'), 'x'), /EROFS|read-only/i);
      });
      assert.deepEqual(await sn.lowerDirs('l3-view'), [sn.writableDir('l3'), sn.writableDir('l2'), sn.writableDir('base')]);
    });

    it('a view of a single layer is a read-only mount of it', async () => {
      await withMount(await sn.view('base-view', 'base'), async (t) => {
        assert.equal(await read(t, 'etc/base'), 'base');
        await assert.rejects(fs.writeFile(path.join(t, 'x'), 'x'), /EROFS|read-only/i);
      });
    });

    it('enforces the prepare/commit/remove rules', async () => {
      await assert.rejects(sn.prepare('l2', 'base'), (e) => isKind(e, 'Conflict'));
      await assert.rejects(sn.prepare('orphan', 'no-such-parent'), (e) => isKind(e, 'NotFound'));
      await sn.prepare('not-committed');
      await assert.rejects(sn.prepare('child-of-active', 'not-committed'), (e) => isKind(e, 'InvalidArgument'));
      await assert.rejects(sn.commit('base', 'not-committed'), (e) => isKind(e, 'Conflict'));
      await assert.rejects(sn.commit('from-view', 'base-view'), (e) => isKind(e, 'InvalidArgument'));
      await assert.rejects(sn.mounts('base'), (e) => isKind(e, 'InvalidArgument'));
      await assert.rejects(sn.remove('base'), (e) => isKind(e, 'Conflict'));
      await assert.rejects(sn.remove('nope'), (e) => isKind(e, 'NotFound'));
      await sn.remove('not-committed');
      await assert.rejects(sn.stat('not-committed'), (e) => isKind(e, 'NotFound'));
    });

    it('reports usage of a snapshot\'s own directory', async () => {
      await sn.prepare('usage');
      await fs.writeFile(path.join(sn.writableDir('usage'), 'f'), Buffer.alloc(100_000, 1));
      const u = await sn.usage('usage');
      assert.ok(u.size >= 100_000, `size ${u.size}`);
      assert.equal(u.inodes, 2);
      await sn.remove('usage');
    });

    it('keeps everything across a restart (new instance, same root)', async () => {
      const before = (await sn.list()).sort((a, b) => a.key.localeCompare(b.key));
      const again = await fx.reopen();
      const afterList = (await again.list()).sort((a, b) => a.key.localeCompare(b.key));
      assert.deepEqual(afterList, before);
      assert.equal((await again.stat('l2')).parent, 'base');
      await withMount(await again.mounts('l3-view'), async (t) => assert.equal(await read(t, 'third'), 'third'));
      await again.prepare('after-restart', 'l3');
      await withMount(await again.mounts('after-restart'), async (t) => assert.equal(await read(t, 'etc/base'), 'base'));
      sn = again;
    });

    it('removes children before parents', async () => {
      for (const k of ['after-restart', 'l3-view', 'base-view', 'l3', 'l2', 'base']) await sn.remove(k);
      assert.deepEqual(await sn.list(), []);
    });
  });
}
