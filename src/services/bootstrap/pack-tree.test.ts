import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runCommand } from '../../lib/exec-file.js';
import { createTarExtract, normalizeHeader, type TarEntryHeader } from '../../lib/tar/tar-reader.js';
import { debianPackFilter } from './debian-filter.js';
import { releaseDate, unmountUnder } from './debian-rootfs.js';
import { packTree } from './pack-tree.js';

type Member = TarEntryHeader & { data: Buffer };

async function readTar(tar: Buffer): Promise<Member[]> {
  const out: Member[] = [];
  const ex = createTarExtract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = normalizeHeader(entry.header);
      assert.ok(h);
      out.push({ ...h, name: h.name.replace(/\/$/, ''), data: Buffer.concat(chunks) });
    }
  })();
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}

async function pack(root: string, opts: Parameters<typeof packTree>[2] = {}): Promise<{ tar: Buffer; diffId: string; size: number }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
  const r = await packTree(root, sink, opts);
  return { tar: Buffer.concat(chunks), ...r };
}

const CLAMP = new Date('2024-06-01T00:00:00Z');
const RELEASE = 'Origin: Debian\nSuite: stable\nCodename: bookworm\nDate: Sat, 10 Feb 2024 10:42:00 UTC\nValid-Until: x\n';

/** A fake debootstrap result: the kinds of files the Debian filter must keep or drop. */
async function makeFakeDebianTree(root: string): Promise<void> {
  const dirs = ['bin', 'dev/pts', 'etc/apt', 'proc', 'sys/kernel', 'tmp', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/log/apt', 'var/lib/dpkg', 'var/cache/debconf', 'debootstrap', 'usr/bin'];
  for (const d of dirs) await fs.mkdir(path.join(root, d), { recursive: true });
  const files: Record<string, string> = {
    'bin/bash': 'ELF...',
    'etc/apt/sources.list': 'deb http://deb.debian.org/debian bookworm main\n',
    'etc/resolv.conf': 'nameserver 10.0.0.1\n',
    'etc/hostname': 'buildhost\n',
    'etc/hosts': '127.0.0.1 buildhost\n',
    'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n',
    'sys/kernel/x': 'nope',
    'tmp/scratch': 'junk',
    'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_Release': RELEASE,
    'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages': 'Package: x\n',
    'var/cache/apt/archives/bash_5.2_amd64.deb': 'deb',
    'var/cache/apt/pkgcache.bin': 'bin',
    'var/log/dpkg.log': 'log',
    'var/log/bootstrap.log': 'log',
    'var/log/wtmp': '',
    'var/lib/dpkg/status': 'Package: bash\n',
    'var/lib/dpkg/status-old': 'Package: bash\n',
    'var/cache/debconf/config.dat': 'x',
    'var/cache/debconf/config.dat-old': 'x',
    'debootstrap/debootstrap.log': 'x',
  };
  for (const [f, content] of Object.entries(files)) await fs.writeFile(path.join(root, f), content);
  await runCommand('mknod', ['-m', '666', path.join(root, 'dev/null'), 'c', '1', '3']);
  await fs.symlink('/proc/self/fd', path.join(root, 'dev/fd'));
}

describe('packTree', () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-packtree-'));
    root = path.join(dir, 'tree');
    await fs.mkdir(path.join(root, 'sub/deeper'), { recursive: true });
    await fs.writeFile(path.join(root, 'sub/big'), Buffer.alloc(3 * 1024 * 1024 + 7, 0x61));
    await fs.writeFile(path.join(root, 'b-suid'), '#!/bin/sh\n');
    await fs.chmod(path.join(root, 'b-suid'), 0o4755);
    await fs.mkdir(path.join(root, 'sticky'));
    await fs.chmod(path.join(root, 'sticky'), 0o1777);
    await fs.writeFile(path.join(root, 'owned'), 'x');
    await fs.chown(path.join(root, 'owned'), 1000, 1001);
    await fs.symlink('../sub/big', path.join(root, 'sub/deeper/link'));
    await fs.link(path.join(root, 'sub/big'), path.join(root, 'a-hardlink'));
    await runCommand('mkfifo', [path.join(root, 'fifo')]);
    await runCommand('mknod', [path.join(root, 'blk'), 'b', '7', '300']);
    await runCommand('setfattr', ['-n', 'user.wharf', '-v', 'hello', path.join(root, 'owned')]);
    await fs.utimes(path.join(root, 'owned'), new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    await fs.utimes(path.join(root, 'b-suid'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps every kind of entry with its metadata, in sorted order', async () => {
    const { tar, diffId, size } = await pack(root, { clampMtime: CLAMP });
    assert.equal(size, tar.length);
    assert.equal(diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
    const m = await readTar(tar);
    const by = new Map(m.map((e) => [e.name, e]));
    assert.deepEqual(
      m.map((e) => e.name),
      ['a-hardlink', 'b-suid', 'blk', 'fifo', 'owned', 'sticky', 'sub', 'sub/big', 'sub/deeper', 'sub/deeper/link'],
    );
    assert.equal(by.get('a-hardlink')?.type, 'file');
    assert.equal(by.get('a-hardlink')?.size, 3 * 1024 * 1024 + 7);
    assert.equal(by.get('sub/big')?.type, 'link', 'the second name of an inode is a hardlink to the first');
    assert.equal(by.get('sub/big')?.linkname, 'a-hardlink');
    assert.equal(by.get('b-suid')?.mode, 0o4755);
    assert.equal(by.get('sticky')?.mode, 0o1777);
    assert.equal(by.get('sticky')?.type, 'directory');
    assert.deepEqual([by.get('owned')?.uid, by.get('owned')?.gid], [1000, 1001]);
    assert.equal(by.get('owned')?.xattrs.get('user.wharf')?.toString(), 'hello');
    assert.equal(by.get('sub/deeper/link')?.linkname, '../sub/big');
    assert.equal(by.get('fifo')?.type, 'fifo');
    assert.deepEqual([by.get('blk')?.type, by.get('blk')?.devmajor, by.get('blk')?.devminor], ['block-device', 7, 300]);
    // Clamped: newer than the clamp → the clamp; older stays.
    assert.equal(by.get('owned')?.mtime, CLAMP.getTime() / 1000);
    assert.equal(by.get('b-suid')?.mtime, new Date('2020-01-01T00:00:00Z').getTime() / 1000);
  });

  it('packs the same tree to the same bytes after files are touched (clamped)', async () => {
    const first = await pack(root, { clampMtime: CLAMP });
    await fs.utimes(path.join(root, 'sub/deeper'), new Date('2031-01-01T00:00:00Z'), new Date('2031-01-01T00:00:00Z'));
    const second = await pack(root, { clampMtime: CLAMP });
    assert.equal(second.diffId, first.diffId);
    const unclamped = await pack(root);
    assert.notEqual(unclamped.diffId, first.diffId);
  });

  it('GNU tar extracts it to an identical tree', async () => {
    const { tar } = await pack(root);
    const out = path.join(dir, 'out');
    await fs.mkdir(out);
    await fs.writeFile(path.join(dir, 'x.tar'), tar);
    await runCommand('tar', ['--xattrs', '--xattrs-include=user.*', '-xpf', path.join(dir, 'x.tar'), '-C', out]);
    const { stdout: a } = await runCommand('sh', ['-c', `cd ${root} && find . -printf '%p %y %m %U %G %s %l\\n' | sort`]);
    const { stdout: b } = await runCommand('sh', ['-c', `cd ${out} && find . -printf '%p %y %m %U %G %s %l\\n' | sort`]);
    assert.equal(b.replace(/^\. d \d+/m, '.'), a.replace(/^\. d \d+/m, '.'));
    const { stdout: x } = await runCommand('getfattr', ['--only-values', '-n', 'user.wharf', path.join(out, 'owned')]);
    assert.equal(x, 'hello');
  });
});

describe('the Debian pack filter', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-debfilter-'));
    await makeFakeDebianTree(dir);
  });
  after(async () => {
    await unmountUnder(dir);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps the system, empties mount points, drops caches, logs, backups and host files', async () => {
    const names = new Set((await readTar((await pack(dir, { filter: debianPackFilter })).tar)).map((e) => e.name));
    for (const kept of ['bin/bash', 'etc/passwd', 'etc/apt/sources.list', 'var/lib/dpkg/status', 'var/log/wtmp', 'var/cache/debconf/config.dat', 'dev', 'proc', 'sys', 'tmp', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/log/apt']) {
      assert.ok(names.has(kept), `${kept} should be packed`);
    }
    for (const dropped of ['dev/null', 'dev/fd', 'dev/pts', 'sys/kernel', 'tmp/scratch', 'etc/resolv.conf', 'etc/hostname', 'etc/hosts', 'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_Release', 'var/cache/apt/archives/bash_5.2_amd64.deb', 'var/cache/apt/pkgcache.bin', 'var/log/dpkg.log', 'var/log/bootstrap.log', 'var/lib/dpkg/status-old', 'var/cache/debconf/config.dat-old', 'debootstrap', 'debootstrap/debootstrap.log']) {
      assert.ok(!names.has(dropped), `${dropped} should not be packed`);
    }
  });

  it('reads the archive date from the Release file debootstrap fetched', async () => {
    assert.equal((await releaseDate(dir))?.toISOString(), '2024-02-10T10:42:00.000Z');
    assert.equal(await releaseDate(path.join(dir, 'bin')), undefined);
  });

  it('unmountUnder takes down every mount below a tree, deepest first', async () => {
    await runCommand('mount', ['-t', 'tmpfs', 'wharf-test', path.join(dir, 'proc')]);
    await fs.mkdir(path.join(dir, 'proc/inner'));
    await runCommand('mount', ['-t', 'tmpfs', 'wharf-test', path.join(dir, 'proc/inner')]);
    const mounted = async () => (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(` ${dir}/`)).length;
    assert.equal(await mounted(), 2);
    await unmountUnder(dir);
    assert.equal(await mounted(), 0);
  });
});
