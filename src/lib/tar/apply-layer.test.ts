import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isKind } from '../../errdefs/index.js';
import { runCommand } from '../exec-file.js';
import { sha256 } from '../digest.js';
import { type ApplyLayerOptions, applyLayer } from './apply-layer.js';
import { type TarWriteHeader, tarBuffer } from './tar-writer.js';

const T = 1_600_000_000;
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

/** A fresh sentinel parent with `root/` (the layer target) and `sentinel` files beside it. */
async function sandbox(): Promise<{ base: string; root: string }> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-apply-'));
  dirs.push(base);
  await fs.mkdir(path.join(base, 'root'));
  await fs.writeFile(path.join(base, 'sentinel'), 'untouched');
  return { base, root: path.join(base, 'root') };
}

/** Asserts nothing but root/ and the untouched sentinel exists beside the layer root. */
async function assertNothingOutside(base: string): Promise<void> {
  assert.deepEqual((await fs.readdir(base)).sort(), ['root', 'sentinel']);
  assert.equal(await fs.readFile(path.join(base, 'sentinel'), 'utf8'), 'untouched');
  await assert.rejects(fs.lstat('/etc/evil'));
}

const file = (name: string, data = '', extra: Partial<TarWriteHeader> = {}) => ({
  header: { name, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: T, ...extra },
  data,
});
const entry = (name: string, type: TarWriteHeader['type'], extra: Partial<TarWriteHeader> = {}) => ({
  header: { name, type, mode: 0o755, uid: 0, gid: 0, mtime: T, ...extra },
});

async function apply(tar: Buffer, root: string, opts?: ApplyLayerOptions) {
  return applyLayer(Readable.from([tar]), root, opts);
}

/** Docker's DiffSize of a tree, by walking it: lstat sizes of non-directories, each inode once. */
async function walkSize(dir: string): Promise<number> {
  const seen = new Set<bigint>();
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isDirectory()) continue;
    const st = await fs.lstat(path.join(e.parentPath ?? e.path, e.name), { bigint: true });
    if (seen.has(st.ino)) continue;
    seen.add(st.ino);
    total += Number(st.size);
  }
  return total;
}

async function rejectsInvalid(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.ok(isKind(e, 'InvalidArgument'), `expected InvalidArgument, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('applyLayer: hostile tars', () => {
  it('refuses ../ traversal and names the entry', async () => {
    const { base, root } = await sandbox();
    const tar = await tarBuffer([file('ok', 'x'), file('../../etc/evil', 'pwned')]);
    await rejectsInvalid(apply(tar, root), /invalid tar entry "\.\.\/\.\.\/etc\/evil": path escapes the layer root/);
    await rejectsInvalid(apply(await tarBuffer([file('a/../../sentinel', 'pwned')]), root), /escapes the layer root/);
    await assertNothingOutside(base);
  });

  it('puts absolute paths under the root, as Docker does', async () => {
    const { base, root } = await sandbox();
    await apply(await tarBuffer([file('/etc/evil', 'inside'), file('/../../sentinel2', 'inside too')]), root);
    assert.equal(await fs.readFile(path.join(root, 'etc/evil'), 'utf8'), 'inside');
    assert.equal(await fs.readFile(path.join(root, 'sentinel2'), 'utf8'), 'inside too');
    await assertNothingOutside(base);
  });

  it('never writes through a symlink parent (link -> / then link/etc/evil)', async () => {
    const { base, root } = await sandbox();
    const tar = await tarBuffer([entry('link', 'symlink', { linkname: '/' }), file('link/etc/evil', 'pwned')]);
    await rejectsInvalid(apply(tar, root), /"link\/etc\/evil": parent "link" is a symbolic link/);
    await assertNothingOutside(base);
  });

  it('never writes through a relative symlink (link -> ../../..)', async () => {
    const { base, root } = await sandbox();
    const tar = await tarBuffer([entry('link', 'symlink', { linkname: '../../..' }), file('link/sentinel', 'pwned')]);
    await rejectsInvalid(apply(tar, root), /parent "link" is a symbolic link/);
    const tar2 = await tarBuffer([entry('d', 'directory'), entry('d/up', 'symlink', { linkname: '../..' }), entry('d/up/newdir', 'directory')]);
    await rejectsInvalid(apply(tar2, root), /parent "d\/up" is a symbolic link/);
    await assertNothingOutside(base);
  });

  it('refuses hardlinks whose target escapes or passes through a symlink', async () => {
    const { base, root } = await sandbox();
    await rejectsInvalid(apply(await tarBuffer([entry('x', 'link', { linkname: '../../outside' })]), root), /invalid hardlink "x" -> "..\/..\/outside": target escapes the layer root/);
    // A symlink to the host's /etc, then a hardlink to /etc/passwd through it.
    const tar = await tarBuffer([entry('hostetc', 'symlink', { linkname: '/etc' }), entry('pw', 'link', { linkname: 'hostetc/passwd' })]);
    await rejectsInvalid(apply(tar, root), /symbolic link/);
    await assert.rejects(fs.lstat(path.join(root, 'pw')));
    await rejectsInvalid(apply(await tarBuffer([entry('dd', 'directory'), entry('y', 'link', { linkname: 'dd' })]), root), /target is a directory/);
    // A hardlink to a symlink links the symlink itself, never what it points to.
    await apply(await tarBuffer([entry('s', 'symlink', { linkname: '/etc/passwd' }), entry('h', 'link', { linkname: 's' })]), root);
    assert.ok((await fs.lstat(path.join(root, 'h'))).isSymbolicLink());
    await assertNothingOutside(base);
  });

  it('replaces an existing directory with a device node of the same name, never writing through', async () => {
    const { base, root } = await sandbox();
    await fs.mkdir(path.join(root, 'victim/sub'), { recursive: true });
    await fs.writeFile(path.join(root, 'victim/sub/f'), 'lower');
    await fs.symlink('../sentinel', path.join(root, 'out'));
    const tar = await tarBuffer([entry('victim', 'character-device', { devmajor: 1, devminor: 3, mode: 0o666 }), file('out', 'replaced')]);
    await apply(tar, root, { whiteouts: 'delete' });
    const st = await fs.lstat(path.join(root, 'victim'));
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, (1 << 8) | 3);
    // The symlink was replaced by a file; its old target is untouched.
    assert.ok((await fs.lstat(path.join(root, 'out'))).isFile());
    assert.equal(await fs.readFile(path.join(root, 'out'), 'utf8'), 'replaced');
    await assertNothingOutside(base);
  });

  it('rejects corrupt and truncated input as InvalidArgument', async () => {
    const { root } = await sandbox();
    const good = await tarBuffer([file('f', 'x'.repeat(5000))]);
    const corrupt = Buffer.from(good);
    corrupt[100] ^= 0xff; // breaks the header checksum
    await rejectsInvalid(apply(corrupt, root), /invalid layer tar/);
    await rejectsInvalid(apply(good.subarray(0, 1500), root), /invalid layer tar/);
    await rejectsInvalid(apply(gzipSync(good).subarray(0, 40), root), /invalid/);
  });
});

describe('applyLayer: content', () => {
  it('applies every entry type with owner, mode, mtime and xattrs', async () => {
    const { root } = await sandbox();
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    const tar = await tarBuffer([
      entry('bin', 'directory', { mode: 0o755, mtime: T - 100 }),
      file('bin/su', 'setuid', { mode: 0o4755, uid: 1000, gid: 1001 }),
      file('bin/ping', 'caps', { mode: 0o755, xattrs: new Map([['security.capability', cap], ['user.bin', Buffer.from([0x80, 0, 0xff])]]) }),
      entry('bin/ping2', 'link', { linkname: 'bin/ping' }),
      entry('bin/sh', 'symlink', { linkname: '/bin/busybox', uid: 5, gid: 6 }),
      entry('tmp', 'directory', { mode: 0o1777 }),
      entry('dev', 'directory'),
      entry('dev/null', 'character-device', { devmajor: 1, devminor: 3, mode: 0o666 }),
      entry('dev/loop0', 'block-device', { devmajor: 7, devminor: 0, mode: 0o660, gid: 6 }),
      entry('dev/fifo', 'fifo', { mode: 0o600 }),
      entry('dev/null-alias', 'link', { linkname: 'dev/null' }),
      file(`deep/${'n'.repeat(120)}/${'é'.repeat(80)}`, 'long name'),
      file('empty'),
    ]);
    const res = await apply(tar, root);
    assert.equal(res.diffID, sha256(tar));
    assert.equal(res.size, tar.length);
    const st = async (p: string) => fs.lstat(path.join(root, p));
    assert.equal((await st('bin/su')).mode & 0o7777, 0o4755);
    assert.equal((await st('bin/su')).uid, 1000);
    assert.equal((await st('bin/su')).gid, 1001);
    assert.equal((await st('bin')).mtimeMs, (T - 100) * 1000, 'directory mtime is set after its content');
    assert.equal((await st('tmp')).mode & 0o7777, 0o1777);
    assert.equal((await st('bin/ping')).ino, (await st('bin/ping2')).ino);
    assert.equal(await fs.readlink(path.join(root, 'bin/sh')), '/bin/busybox');
    assert.equal((await st('bin/sh')).uid, 5);
    assert.ok((await st('dev/null')).isCharacterDevice());
    assert.equal((await st('dev/loop0')).rdev, 7 << 8);
    assert.ok((await st('dev/loop0')).isBlockDevice());
    assert.equal((await st('dev/loop0')).gid, 6);
    assert.ok((await st('dev/fifo')).isFIFO());
    assert.equal((await st('dev/null-alias')).ino, (await st('dev/null')).ino, 'hardlink to a batched device node');
    assert.equal((await st('bin/su')).mtimeMs, T * 1000);
    assert.equal(await fs.readFile(path.join(root, `deep/${'n'.repeat(120)}/${'é'.repeat(80)}`), 'utf8'), 'long name');
    assert.equal((await st('empty')).size, 0);
    const caps = await runCommand('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', path.join(root, 'bin/ping')]);
    assert.match(caps.stdout, /security\.capability=0x0100000200200000000000000000000000000000/);
    assert.match(caps.stdout, /user\.bin=0x8000ff/);
  });

  it('writes overlay whiteouts and opaque markers', async () => {
    const { root } = await sandbox();
    const tar = await tarBuffer([
      entry('etc', 'directory'),
      file('etc/.wh.gone'),
      entry('var', 'directory'),
      file('var/.wh..wh..opq'),
      file('var/new', 'n'),
      file('.wh..wh.plnk'),
      file('newdir/.wh.x'),
    ]);
    await apply(tar, root, { whiteouts: 'overlay' });
    const wh = await fs.lstat(path.join(root, 'etc/gone'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.ok((await fs.lstat(path.join(root, 'newdir/x'))).isCharacterDevice());
    const opq = await runCommand('getfattr', ['-n', 'trusted.overlay.opaque', '--only-values', path.join(root, 'var')]);
    assert.equal(opq.stdout, 'y');
    assert.deepEqual((await fs.readdir(root)).sort(), ['etc', 'newdir', 'var'], 'no marker files or templates left');
    assert.deepEqual(await fs.readdir(path.join(root, 'var')), ['new']);
  });

  it('applies whiteouts by deleting in delete mode, keeping what the layer itself wrote', async () => {
    const { root } = await sandbox();
    await fs.mkdir(path.join(root, 'etc'));
    await fs.writeFile(path.join(root, 'etc/gone'), 'lower');
    await fs.mkdir(path.join(root, 'var/lib'), { recursive: true });
    await fs.writeFile(path.join(root, 'var/old'), 'lower');
    await fs.writeFile(path.join(root, 'var/lib/old'), 'lower');
    const tar = await tarBuffer([entry('etc', 'directory'), file('etc/.wh.gone'), entry('var', 'directory'), file('var/kept', 'upper'), file('var/.wh..wh..opq'), file('.wh.nothing-there')]);
    await apply(tar, root, { whiteouts: 'delete' });
    assert.deepEqual(await fs.readdir(path.join(root, 'etc')), []);
    assert.deepEqual(await fs.readdir(path.join(root, 'var')), ['kept']);
  });

  it('drops trusted.overlay.* xattrs carried by the tar', async () => {
    const { root } = await sandbox();
    await apply(await tarBuffer([entry('d', 'directory', { xattrs: new Map([['trusted.overlay.redirect', Buffer.from('/etc')]]) })]), root);
    const res = await runCommand('getfattr', ['-d', '-m', '-', path.join(root, 'd')]);
    assert.equal(res.stdout, '');
  });

  it('gives gzip and plain input the same diffID: sha256 of the uncompressed tar', async () => {
    const big = Buffer.alloc(3 << 20, 'abc');
    const tar = await tarBuffer([entry('d', 'directory'), file('d/big', big.toString()), file('d/small', 'x')]);
    const a = await apply(tar, (await sandbox()).root);
    const b = await apply(gzipSync(tar), (await sandbox()).root);
    const zst = spawnSync('zstd', ['-q', '-c'], { input: tar });
    assert.equal(zst.status, 0);
    const c = await apply(zst.stdout, (await sandbox()).root);
    assert.deepEqual(a, { diffID: sha256(tar), size: tar.length, diffSize: big.length + 1 });
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
  });

  it('with digest: false, hashes nothing, returns the DiffSize and refuses compressed input', async () => {
    const tar = await tarBuffer([entry('d', 'directory'), file('d/f', 'twelve bytes')]);
    assert.deepEqual(await applyLayer(Readable.from([tar]), (await sandbox()).root, { digest: false }), { diffSize: 12 });
    await rejectsInvalid(applyLayer(Readable.from([gzipSync(tar)]), (await sandbox()).root, { digest: false }), /gzip data inside an uncompressed layer/);
  });

  it('fails with the source stream\'s error and leaves nothing running', async () => {
    const { root } = await sandbox();
    const tar = await tarBuffer([file('a', 'x'.repeat(10_000)), file('b', 'y')]);
    const src = new Readable({
      read() {
        this.push(tar.subarray(0, 2048));
        this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(applyLayer(src, root), /connection reset/);
  });

  it('reports the DiffSize a walk of the applied tree gives, through replacements and links', async () => {
    const { root } = await sandbox();
    const tar = await tarBuffer([
      file('a', 'x'.repeat(100)),
      entry('hl', 'link', { linkname: 'a' }), // same inode as a: counted once
      file('a', 'y'.repeat(7)), // a is replaced: its old inode lives on as hl
      entry('sl', 'symlink', { linkname: 'a/very/long/target' }), // a symlink counts its target's length
      entry('d', 'directory'),
      file('d/one', 'z'.repeat(50)),
      entry('d/two', 'link', { linkname: 'd/one' }),
      entry('d2', 'directory'),
      file('d2/gone', 'q'.repeat(30)),
      file('d2', 'now a file'), // the directory and what was in it are gone
      file('e', 'e'.repeat(9)),
      entry('e', 'directory'), // a directory replaces the file
      file('e/in', 'i'),
      file('w', 'w'.repeat(5)),
      file('.wh.w'), // a whiteout replaces a file
      entry('dev', 'directory'),
      entry('dev/null', 'character-device', { devmajor: 1, devminor: 3, mode: 0o666 }),
      entry('dev/link', 'link', { linkname: 'dev/null' }),
      file('empty'),
    ]);
    const got = await apply(tar, root, { whiteouts: 'overlay' });
    assert.equal(got.diffSize, await walkSize(root));
    assert.equal(got.diffSize, 100 + 7 + 'a/very/long/target'.length + 50 + 'now a file'.length + 1);
  });

  it('gives new directories and files exactly their modes and owners (umask, setgid parents)', async () => {
    const { root } = await sandbox();
    const tar = await tarBuffer([
      entry('open', 'directory', { mode: 0o777 }), // wider than the umask lets mkdir make
      file('open/f', 'x', { mode: 0o666 }),
      entry('private', 'directory', { mode: 0o700 }),
      entry('g', 'directory', { mode: 0o2775, gid: 1001 }),
      entry('g/sub', 'directory', { mode: 0o755 }), // would inherit setgid and group 1001
      entry('g/keep', 'directory', { mode: 0o2750, gid: 7 }),
      file('g/f', 'y', { mode: 0o640 }),
      entry('g/l', 'symlink', { linkname: 'f' }),
    ]);
    await apply(tar, root);
    const st = (p: string) => fs.lstat(path.join(root, p));
    assert.equal((await st('open')).mode & 0o7777, 0o777);
    assert.equal((await st('open/f')).mode & 0o7777, 0o666);
    assert.equal((await st('private')).mode & 0o7777, 0o700);
    assert.equal((await st('g')).mode & 0o7777, 0o2775);
    assert.deepEqual([(await st('g/sub')).mode & 0o7777, (await st('g/sub')).gid], [0o755, 0]);
    assert.deepEqual([(await st('g/keep')).mode & 0o7777, (await st('g/keep')).gid], [0o2750, 7]);
    assert.deepEqual([(await st('g/f')).mode & 0o7777, (await st('g/f')).gid], [0o640, 0]);
    assert.equal((await st('g/l')).gid, 0);
  });

  it('sets modes explicitly once a layer carries a default ACL', async (t) => {
    const { root } = await sandbox();
    // system.posix_acl_default = u::rwx,g::---,o::--- (version 2, then tag/perm/id entries).
    const acl = Buffer.from('02000000' + '0100070000000000' + '0400000000000000' + '2000000000000000', 'hex');
    const probe = path.join(root, 'probe');
    await fs.mkdir(probe);
    const set = await runCommand('setfattr', ['-n', 'system.posix_acl_default', '-v', `0s${acl.toString('base64')}`, probe], { check: false });
    if (set.code !== 0) return t.skip(`no ACL support here: ${set.stderr.trim()}`);
    await fs.rm(probe, { recursive: true });
    const tar = await tarBuffer([
      entry('acl', 'directory', { xattrs: new Map([['system.posix_acl_default', acl]]) }),
      file('acl/x', 'x'),
      entry('acl/y', 'link', { linkname: 'acl/x' }), // a hardlink to a pending file flushes: the ACL is set now
      entry('acl/sub', 'directory', { mode: 0o755 }),
      file('acl/f', 'f', { mode: 0o644 }),
    ]);
    await apply(tar, root);
    assert.equal((await fs.lstat(path.join(root, 'acl/sub'))).mode & 0o777, 0o755);
    assert.equal((await fs.lstat(path.join(root, 'acl/f'))).mode & 0o777, 0o644);
  });

  it('orders deferred creations: a symlink replaced by a directory is never written through', async () => {
    const { base, root } = await sandbox();
    const tar = await tarBuffer([
      entry('x', 'symlink', { linkname: '/etc' }),
      file('a', 'first'),
      entry('x', 'directory'),
      file('x/evil', 'inside'),
      entry('a', 'symlink', { linkname: '../sentinel' }),
      file('a', 'second'),
    ]);
    await apply(tar, root);
    assert.ok((await fs.lstat(path.join(root, 'x'))).isDirectory());
    assert.equal(await fs.readFile(path.join(root, 'x/evil'), 'utf8'), 'inside');
    assert.ok((await fs.lstat(path.join(root, 'a'))).isFile());
    assert.equal(await fs.readFile(path.join(root, 'a'), 'utf8'), 'second');
    await assertNothingOutside(base);
  });

  it('replaces files of an earlier entry and merges directories', async () => {
    const { root } = await sandbox();
    const tar = await tarBuffer([file('f', 'one'), entry('d', 'directory', { mode: 0o700 }), file('f', 'two'), entry('d', 'directory', { mode: 0o750 }), file('d/x', 'x')]);
    await apply(tar, root);
    assert.equal(await fs.readFile(path.join(root, 'f'), 'utf8'), 'two');
    assert.equal((await fs.lstat(path.join(root, 'd'))).mode & 0o777, 0o750);
  });
});
