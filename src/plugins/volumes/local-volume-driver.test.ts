import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountTypeAt } from '../../core/volumes/testsuite.js';
import type { StoredVolume } from '../../core/volumes/volume-driver.js';
import { isKind } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';
import { unmountAll } from '../snapshots/mount.js';
import { LocalVolumeDriver } from './local-volume-driver.js';

const vol = (name: string, extra: Partial<StoredVolume> = {}): StoredVolume => ({
  name,
  createdAt: '2026-11-22T10:33:39Z',
  labels: null,
  options: null,
  anonymous: false,
  refs: [],
  ...extra,
});

describe('LocalVolumeDriver', () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-lvd-'));
    root = path.join(dir, 'volumes');
  });
  after(async () => {
    const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
    for (const m of info.split('\n').map((l) => l.split(' ')[4] ?? '').filter((x) => x.startsWith(`${dir}/`)).sort().reverse()) await unmountAll(m);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('lays volumes out as dockerd and reloads them', async () => {
    const d = await LocalVolumeDriver.open(root);
    await d.create(vol('v1', { labels: { a: 'b' }, refs: ['x'] }));
    assert.equal(d.mountpoint('v1'), path.join(root, 'v1', '_data'));
    assert.equal((await fs.stat(d.mountpoint('v1'))).mode & 0o777, 0o755);
    assert.equal((await fs.stat(root)).mode & 0o777, 0o701);
    const again = await LocalVolumeDriver.open(root);
    assert.deepEqual(await again.load(), [vol('v1', { labels: { a: 'b' }, refs: ['x'] })]);
    await again.remove('v1');
    assert.deepEqual(await fs.readdir(root), []);
  });

  it('sweeps what a crash left half made: a create before its record, a remove mid-delete, temp files', async () => {
    const d = await LocalVolumeDriver.open(root);
    await d.create(vol('whole'));
    await fs.mkdir(path.join(root, 'halfmade', '_data'), { recursive: true }); // crashed before volume.json
    await fs.mkdir(path.join(root, '.rm-gone-0011aabb', '_data'), { recursive: true }); // crashed mid-remove
    await fs.writeFile(path.join(root, 'whole', '.tmp-volume.json-abc'), '{"torn');
    // A stray half-made volume with something mounted on it: unmounted, not deleted through.
    await runCommand('mount', ['-t', 'tmpfs', 'tmpfs', path.join(root, 'halfmade', '_data')]);
    const loaded = await (await LocalVolumeDriver.open(root)).load();
    assert.deepEqual(
      loaded.map((v) => v.name),
      ['whole'],
    );
    assert.deepEqual((await fs.readdir(root)).sort(), ['whole']);
    assert.deepEqual((await fs.readdir(path.join(root, 'whole'))).sort(), ['_data', 'volume.json']);
    assert.equal(await mountTypeAt(path.join(root, 'halfmade', '_data')), undefined);
    await d.remove('whole');
  });

  it('mounts per options with mount(8), reports dockerd-style failures, unmounts', async () => {
    const d = await LocalVolumeDriver.open(root);
    const v = vol('opts', { options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=0750' } });
    await d.create(v);
    assert.equal(d.needsMount(v), true);
    assert.equal(d.needsMount(vol('plain')), false);
    await d.mount(v);
    assert.equal(await d.isMounted('opts'), true);
    assert.equal((await fs.stat(d.mountpoint('opts'))).mode & 0o777, 0o750);
    await d.unmount('opts');
    await d.unmount('opts'); // not mounted: no error
    assert.equal(await d.isMounted('opts'), false);
    const bad = vol('bad', { options: { type: 'tmpfs', device: 'tmpfs', o: 'bogus=1' } });
    await d.create(bad);
    await assert.rejects(d.mount(bad), (e: Error) => isKind(e, 'Internal') && /^failed to mount local volume: mount tmpfs:\S+\/bad\/_data, data: bogus=1: wrong fs type[^\n]*$/.test(e.message));
    assert.equal(await d.isMounted('bad'), false);
    await d.remove('opts');
    await d.remove('bad');
  });

  it('measures content: regular files, hard links once', async () => {
    const d = await LocalVolumeDriver.open(root);
    await d.create(vol('sz'));
    const mp = d.mountpoint('sz');
    await fs.writeFile(path.join(mp, 'a'), 'abcd');
    await fs.link(path.join(mp, 'a'), path.join(mp, 'b'));
    await fs.mkdir(path.join(mp, 'd', 'e'), { recursive: true });
    await fs.writeFile(path.join(mp, 'd', 'e', 'f'), 'xy');
    await fs.symlink('a', path.join(mp, 'ln'));
    assert.equal(await d.size('sz'), 4 + 2 + 1);
    await d.remove('sz');
  });
});
