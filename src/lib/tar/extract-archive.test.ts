import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { extractArchive } from './extract-archive.js';
import { plainTree } from './secure-join.js';
import { type TarWriteHeader, tarBuffer } from './tar-writer.js';

const T = 1_700_000_000;
const file = (name: string, data: string, extra: Partial<TarWriteHeader> = {}) => ({
  header: { name, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: T, ...extra },
  data,
});
const dir = (name: string, extra: Partial<TarWriteHeader> = {}) => ({ header: { name, type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, mtime: T, ...extra } });
const link = (name: string, type: 'symlink' | 'link', linkname: string) => ({ header: { name, type, mode: 0o777, uid: 0, gid: 0, mtime: T, linkname } });

describe('extractArchive', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-extract-'));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await fs.mkdir(path.join(root, 'usr/bin'), { recursive: true });
    await fs.mkdir(path.join(root, 'tmp'));
    await fs.mkdir(outside);
    await fs.symlink('usr/bin', path.join(root, 'bin'));
    await fs.symlink('/', path.join(root, 'escape'));
    await fs.symlink(outside, path.join(root, 'hostlink'));
  });
  afterEach(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  const extract = async (entries: Parameters<typeof tarBuffer>[0], dest = '/tmp', opts = {}) =>
    extractArchive(Readable.from([await tarBuffer(entries)]), plainTree(root), dest, opts);

  it('extracts files, directories, symlinks and hardlinks with owner, mode and mtime', async () => {
    await extract([dir('d', { mode: 0o750, uid: 1234, gid: 2345 }), file('d/f', 'hello', { mode: 0o4755, uid: 7, gid: 8 }), link('d/s', 'symlink', 'f'), link('d/h', 'link', 'd/f')]);
    const st = await fs.stat(path.join(root, 'tmp/d/f'));
    assert.equal(await fs.readFile(path.join(root, 'tmp/d/f'), 'utf8'), 'hello');
    assert.equal(st.mode & 0o7777, 0o4755);
    assert.deepEqual([st.uid, st.gid], [7, 8]);
    assert.equal(Math.floor(st.mtimeMs / 1000), T);
    const d = await fs.stat(path.join(root, 'tmp/d'));
    assert.deepEqual([d.mode & 0o777, d.uid, d.gid, Math.floor(d.mtimeMs / 1000)], [0o750, 1234, 2345, T]);
    assert.equal(await fs.readlink(path.join(root, 'tmp/d/s')), 'f');
    assert.equal((await fs.stat(path.join(root, 'tmp/d/h'))).ino, st.ino);
  });

  it('resolves parents inside the scope: a symlink to / leads to the scope root, not the host', async () => {
    await extract([file('x', 'in scope')], '/escape/tmp');
    assert.equal(await fs.readFile(path.join(root, 'tmp/x'), 'utf8'), 'in scope');
    await extract([file('escape/tmp/y', 'via entry parent')], '/');
    assert.equal(await fs.readFile(path.join(root, 'tmp/y'), 'utf8'), 'via entry parent');
    await extract([file('bin/tool', '#!')], '/');
    assert.equal(await fs.readFile(path.join(root, 'usr/bin/tool'), 'utf8'), '#!');
  });

  it('never writes through an absolute symlink to a host directory', async () => {
    await extract([file('hostlink/pwned', 'x')], '/');
    assert.deepEqual(await fs.readdir(outside), []);
    // The link's target, taken inside the scope, was created there instead.
    assert.equal(await fs.readFile(path.join(root, outside, 'pwned'), 'utf8'), 'x');
  });

  it('replaces a symlink entry target instead of writing through it', async () => {
    await fs.symlink('/etc/passwd-host', path.join(root, 'tmp/target'));
    await extract([file('target', 'replaced')]);
    const st = await fs.lstat(path.join(root, 'tmp/target'));
    assert.ok(st.isFile());
  });

  it('refuses names that climb out of the destination', async () => {
    await assert.rejects(extract([file('../etc/evil', 'x')]), /escapes/);
    await assert.rejects(extract([link('h', 'link', '../../etc/x')]), /escapes|invalid hardlink/);
  });

  it('applies noOverwriteDirNonDir both ways', async () => {
    await extract([dir('a'), file('b', '1')]);
    await assert.rejects(extract([file('a', 'x')], '/tmp', { noOverwriteDirNonDir: true }), /cannot overwrite directory "\/tmp\/a" with non-directory "\/tmp"/);
    await assert.rejects(extract([dir('b')], '/tmp', { noOverwriteDirNonDir: true }), /cannot overwrite non-directory "\/tmp\/b" with directory "\/tmp"/);
    await extract([file('a', 'x')]);
    assert.ok((await fs.lstat(path.join(root, 'tmp/a'))).isFile(), 'without the flag a directory is replaced');
  });

  it('keeps whiteout-looking names as plain files and skips the archive root', async () => {
    await fs.chmod(path.join(root, 'tmp'), 0o1777);
    await extract([dir('.', { mode: 0o700 }), file('.wh.keep', 'literal')]);
    assert.equal(await fs.readFile(path.join(root, 'tmp/.wh.keep'), 'utf8'), 'literal');
    assert.equal((await fs.stat(path.join(root, 'tmp'))).mode & 0o7777, 0o1777);
  });

  it('gives every entry the chown owner when asked (docker cp -a)', async () => {
    await extract([dir('o', { uid: 5, gid: 5 }), file('o/f', 'x', { uid: 6, gid: 6 })], '/tmp', { chown: { uid: 1000, gid: 1001 } });
    for (const p of ['tmp/o', 'tmp/o/f']) {
      const st = await fs.lstat(path.join(root, p));
      assert.deepEqual([st.uid, st.gid], [1000, 1001]);
    }
  });

  it('creates missing parent directories 0755 and reads gzip input', async () => {
    const gz = gzipSync(await tarBuffer([file('deep/er/f', 'z')]));
    await extractArchive(Readable.from([gz]), plainTree(root), '/tmp');
    assert.equal((await fs.stat(path.join(root, 'tmp/deep/er'))).mode & 0o777, 0o755);
    assert.equal(await fs.readFile(path.join(root, 'tmp/deep/er/f'), 'utf8'), 'z');
  });

  it('reports a corrupt archive as InvalidArgument', async () => {
    const good = await tarBuffer([file('f', 'x'.repeat(2000))]);
    await assert.rejects(extractArchive(Readable.from([good.subarray(0, 700)]), plainTree(root), '/tmp'), (err: Error & { kind?: string }) => {
      assert.equal(err.kind, 'InvalidArgument');
      return true;
    });
  });
});
