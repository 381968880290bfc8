/**
 * The run path's rootfs mount and unmount by syscall, on the real kernel: an overlay (what the
 * snapshotter returns for a container), a bind, mounts stacked on one point and a submount all
 * go, and an unmounted target is left alone.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCommand } from '../../lib/exec-file.js';
import { mountsUnder } from '../snapshots/mount.js';
import { mountRootfs, rootfsSyscallsAvailable, unmountRootfs } from './rootfs-mount.js';

let dir: string;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-rootfs-mount-'));
  for (const d of ['lower', 'upper', 'work', 'target', 'src']) await fs.mkdir(path.join(dir, d));
  await fs.writeFile(path.join(dir, 'lower', 'from-lower'), 'l');
  await fs.writeFile(path.join(dir, 'src', 'from-src'), 's');
});

after(async () => {
  for (const mp of await mountsUnder(dir)) await runCommand('umount', ['-l', mp], { check: false });
  await fs.rm(dir, { recursive: true, force: true });
});

const target = () => path.join(dir, 'target');
const overlay = () => ({
  type: 'overlay',
  source: 'overlay',
  options: [`workdir=${path.join(dir, 'work')}`, `upperdir=${path.join(dir, 'upper')}`, `lowerdir=${path.join(dir, 'lower')}`],
});

describe('rootfs mount by syscall', () => {
  it('reaches libc through koffi on this host (else every run pays for mount(8) processes)', async () => {
    assert.equal(await rootfsSyscallsAvailable(), true);
  });

  it('mounts an overlay that reads the lower and writes the upper layer, and unmounts it', async () => {
    await mountRootfs([overlay()], target());
    assert.deepEqual(await mountsUnder(target()), [target()]);
    assert.equal(await fs.readFile(path.join(target(), 'from-lower'), 'utf8'), 'l');
    await fs.writeFile(path.join(target(), 'written'), 'w');
    await unmountRootfs(target());
    assert.deepEqual(await mountsUnder(target()), []);
    assert.equal(await fs.readFile(path.join(dir, 'upper', 'written'), 'utf8'), 'w', 'the write went to the upper dir');
    await fs.rm(path.join(dir, 'upper', 'written'));
  });

  it('binds a directory (rbind, as for a single-layer snapshot)', async () => {
    await mountRootfs([{ type: 'bind', source: path.join(dir, 'src'), options: ['rw', 'rbind'] }], target());
    assert.deepEqual(await fs.readdir(target()), ['from-src']);
    await unmountRootfs(target());
    assert.deepEqual(await fs.readdir(target()), []);
  });

  it('unmounts stacked mounts and submounts at once, deepest first; not mounted is fine', async () => {
    await mountRootfs([overlay()], target());
    await mountRootfs([{ type: 'bind', source: path.join(dir, 'src'), options: ['bind'] }], target());
    await fs.mkdir(path.join(dir, 'src', 'sub'), { recursive: true });
    await runCommand('mount', ['-t', 'tmpfs', 'tmpfs', path.join(target(), 'sub')]);
    assert.equal((await mountsUnder(target())).length, 3);
    await unmountRootfs(target());
    assert.deepEqual(await mountsUnder(target()), []);
    await unmountRootfs(target());
    await fs.rmdir(path.join(dir, 'src', 'sub'));
  });

  it('words a failing mount as mount(8) does (the fallback reports it)', async () => {
    const bad = { type: 'overlay', source: 'overlay', options: [`lowerdir=${path.join(dir, 'missing')}`] };
    await assert.rejects(mountRootfs([bad], target()), /mount .*failed/);
    assert.deepEqual(await mountsUnder(target()), []);
  });
});
