import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';
import { createTarExtract, normalizeHeader, type TarEntryHeader } from '../../lib/tar/tar-reader.js';
import { buildBusyboxRootfs, busyboxEntries, DEFAULT_BUSYBOX, isStaticElf, listApplets } from './busybox-rootfs.js';
import { packEntries } from './pack-entries.js';

type Member = TarEntryHeader & { data: Buffer };

async function readTar(tar: Buffer): Promise<Map<string, Member>> {
  const out = new Map<string, Member>();
  const ex = createTarExtract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = normalizeHeader(entry.header);
      assert.ok(h, `unsupported entry ${entry.header.name}`);
      out.set(h.name.replace(/\/$/, ''), { ...h, data: Buffer.concat(chunks) });
    }
  })();
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('busybox rootfs', () => {
  let tar: Buffer;
  let members: Map<string, Member>;
  let applets: string[];
  let binary: Buffer;
  let created: Date;

  before(async () => {
    const r = await buildBusyboxRootfs();
    tar = r.tar;
    created = r.created;
    members = await readTar(tar);
    applets = await listApplets(DEFAULT_BUSYBOX);
    binary = await fs.readFile(DEFAULT_BUSYBOX);
  });

  it('holds the busybox binary, executable, owned by root', () => {
    const bb = members.get('bin/busybox');
    assert.ok(bb);
    assert.equal(bb.type, 'file');
    assert.equal(bb.mode, 0o755);
    assert.equal(bb.uid, 0);
    assert.equal(bb.gid, 0);
    assert.equal(sha(bb.data), sha(binary));
  });

  it('has a symlink to /bin/busybox for every applet, at the path busybox lists', () => {
    assert.ok(applets.length > 200, `only ${applets.length} applets`);
    for (const a of applets) {
      const m = members.get(a);
      assert.ok(m, `applet ${a} missing`);
      assert.equal(m.type, 'symlink', a);
      assert.equal(m.linkname, '/bin/busybox', a);
    }
    assert.equal(members.get('bin/sh')?.linkname, '/bin/busybox');
    assert.equal(members.get('usr/bin/wget')?.linkname, '/bin/busybox');
    assert.equal(members.get('linuxrc'), undefined, 'linuxrc is for initrds');
  });

  it('has the standard directories with Docker busybox modes', () => {
    for (const d of ['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr', 'usr/bin', 'usr/sbin', 'var']) {
      assert.equal(members.get(d)?.type, 'directory', d);
    }
    assert.equal(members.get('tmp')?.mode, 0o1777);
    assert.equal(members.get('root')?.mode, 0o700);
    assert.equal(members.get('usr/bin')?.mode, 0o755);
    assert.equal(members.get('etc/hosts'), undefined, 'the engine manages /etc/hosts');
  });

  it('has root, daemon and nobody accounts', () => {
    const passwd = members.get('etc/passwd')?.data.toString();
    assert.match(passwd ?? '', /^root:x:0:0:root:\/root:\/bin\/sh$/m);
    assert.match(passwd ?? '', /^daemon:x:1:1:/m);
    assert.match(passwd ?? '', /^nobody:x:65534:65534:/m);
    assert.match(members.get('etc/group')?.data.toString() ?? '', /^nogroup:x:65534:$/m);
    assert.equal(members.get('etc/passwd')?.mode, 0o644);
  });

  it('is sorted, with parents first, and every mtime is the busybox build date', async () => {
    const names = [...members.keys()];
    assert.deepEqual(names, [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const mtime = Math.floor((await fs.stat(DEFAULT_BUSYBOX)).mtimeMs / 1000);
    assert.equal(created.getTime() / 1000, mtime);
    for (const m of members.values()) assert.equal(m.mtime, mtime, m.name);
  });

  it('is byte-for-byte reproducible, and SOURCE_DATE_EPOCH changes the timestamps', async () => {
    const again = await buildBusyboxRootfs();
    assert.equal(sha(again.tar), sha(tar));
    const epoch = await buildBusyboxRootfs({ env: { SOURCE_DATE_EPOCH: '1700000000' } });
    assert.notEqual(sha(epoch.tar), sha(tar));
    assert.equal(epoch.created.toISOString(), '2023-11-14T22:13:20.000Z');
    const m = await readTar(epoch.tar);
    assert.equal(m.get('bin/sh')?.mtime, 1700000000);
    await assert.rejects(buildBusyboxRootfs({ env: { SOURCE_DATE_EPOCH: 'yesterday' } }), (e) => isKind(e, 'InvalidArgument'));
  });

  it('is a tar GNU tar reads, with the same listing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-bb-'));
    try {
      await fs.writeFile(path.join(dir, 'rootfs.tar'), tar);
      const { stdout } = await runCommand('tar', ['-tf', path.join(dir, 'rootfs.tar')]);
      assert.equal(stdout.trim().split('\n').length, members.size);
      // Extract as root and run the shell from it: the tree is usable as is.
      await fs.mkdir(path.join(dir, 'root'));
      await runCommand('tar', ['-xpf', path.join(dir, 'rootfs.tar'), '-C', path.join(dir, 'root')]);
      const { stdout: out } = await runCommand('chroot', [path.join(dir, 'root'), '/bin/sh', '-c', 'echo hello from $(basename $(readlink /bin/ls))']);
      assert.equal(out.trim(), 'hello from busybox');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('busybox binary checks', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-bb-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('tells a static binary from a dynamic one', async () => {
    assert.equal(isStaticElf(await fs.readFile(DEFAULT_BUSYBOX)), true);
    assert.equal(isStaticElf(await fs.readFile(process.execPath)), false, 'node is dynamically linked');
    assert.throws(() => isStaticElf(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(100))), (e) => isKind(e, 'InvalidArgument'));
  });

  it('refuses a dynamic or missing busybox with a hint', async () => {
    await assert.rejects(buildBusyboxRootfs({ busybox: process.execPath }), (e) => isKind(e, 'InvalidArgument') && /dynamically linked/.test((e as Error).message));
    await assert.rejects(buildBusyboxRootfs({ busybox: path.join(dir, 'nope') }), (e) => isKind(e, 'Unavailable') && /busybox-static/.test((e as { hint?: string }).hint ?? ''));
  });

  it('adds missing parent directories of applets and skips duplicates of real files', async () => {
    const entries = busyboxEntries(Buffer.from('x'), ['usr/local/bin/foo', 'bin/busybox', 'bin/sh', 'bin/sh']);
    const names = entries.map((e) => e.path);
    assert.ok(names.includes('usr/local'));
    assert.ok(names.includes('usr/local/bin'));
    assert.equal(names.filter((n) => n === 'bin/sh').length, 1);
    assert.equal(entries.filter((e) => e.path === 'bin/busybox').length, 1);
    await packEntries(entries, new Date(0)); // valid: every parent present
  });

  it('packEntries refuses unclean, duplicate and orphan paths', async () => {
    const dirE = { type: 'directory', path: 'a', mode: 0o755 } as const;
    await assert.rejects(packEntries([{ type: 'directory', path: '../x', mode: 0o755 }], new Date(0)), (e) => isKind(e, 'InvalidArgument'));
    await assert.rejects(packEntries([{ type: 'directory', path: '/abs', mode: 0o755 }], new Date(0)), (e) => isKind(e, 'InvalidArgument'));
    await assert.rejects(packEntries([dirE, dirE], new Date(0)), /appears twice/);
    await assert.rejects(packEntries([{ type: 'symlink', path: 'a/b', target: '/x' }], new Date(0)), /no parent directory/);
  });
});
