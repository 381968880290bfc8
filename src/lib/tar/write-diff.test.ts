import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, describe, it } from 'node:test';
import tarStream from 'tar-stream';
import { runCommand } from '../exec-file.js';
import { sha256 } from '../digest.js';
import { applyLayer } from './apply-layer.js';
import { listTree } from './tree-listing.js';
import { tarDirectory, writeDiff } from './write-diff.js';

const dirs: string[] = [];
const mounts: string[] = [];
after(async () => {
  for (const m of mounts) await runCommand('umount', [m], { check: false });
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-diff-'));
  dirs.push(d);
  return d;
}

/** Runs `fn` producing a tar into a buffer; returns the result and the bytes. */
async function capture<T>(fn: (out: PassThrough) => Promise<T>): Promise<{ result: T; tar: Buffer }> {
  const out = new PassThrough();
  const [result, tar] = await Promise.all([fn(out), buffer(out)]);
  return { result, tar };
}

async function entryNames(tar: Buffer): Promise<string[]> {
  const names: string[] = [];
  const ex = tarStream.extract();
  const done = (async () => {
    for await (const e of ex) {
      names.push(`${e.header.type}:${e.header.name}`);
      e.resume();
    }
  })();
  ex.end(tar);
  await done;
  return names;
}

/** A tree with every kind of entry a rootfs has. */
async function richTree(root: string): Promise<void> {
  const p = (r: string) => path.join(root, r);
  await fs.mkdir(p('usr/bin'), { recursive: true });
  await fs.writeFile(p('usr/bin/tool'), 'tool');
  await fs.chmod(p('usr/bin/tool'), 0o4755);
  await fs.link(p('usr/bin/tool'), p('usr/bin/tool-alias'));
  await fs.symlink('tool', p('usr/bin/t'));
  await fs.writeFile(p('big'), Buffer.alloc(2_500_000, 7));
  await fs.mkdir(p(`long/${'x'.repeat(110)}`), { recursive: true });
  await fs.writeFile(p(`long/${'x'.repeat(110)}/${'ü'.repeat(60)}`), 'unicode');
  await fs.symlink('/'.concat('t'.repeat(150)), p('longlink'));
  await fs.mkdir(p('tmp'), { mode: 0o1777 });
  await fs.chmod(p('tmp'), 0o1777);
  await fs.writeFile(p('owned'), 'o');
  await fs.chown(p('owned'), 4000000, 12345);
  await fs.mkdir(p('dev'));
  await runCommand('mknod', [p('dev/null'), 'c', '1', '3']);
  await runCommand('mknod', [p('dev/sda'), 'b', '8', '0']);
  await runCommand('mkfifo', [p('dev/fifo')]);
  await runCommand('setfattr', ['-n', 'security.capability', '-v', '0x0100000200200000000000000000000000000000', p('usr/bin/tool')]);
  await runCommand('setfattr', ['-n', 'user.blob', '-v', '0x00ff80', p('big')]);
  await fs.utimes(p('usr/bin'), 1_000_000_000, 1_000_000_000);
}

describe('tarDirectory / writeDiff', () => {
  it('round-trips a tree: apply(tar(x)) equals x', async () => {
    const base = await tmp();
    const x = path.join(base, 'x');
    const y = path.join(base, 'y');
    await fs.mkdir(x);
    await fs.mkdir(y);
    await richTree(x);
    const { result, tar } = await capture((out) => tarDirectory(x, out));
    assert.equal(result.diffID, sha256(tar));
    assert.equal(result.size, tar.length);
    const applied = await applyLayer(Readable.from([tar]), y, { whiteouts: 'delete' });
    assert.equal(applied.diffID, result.diffID);
    assert.deepEqual(await listTree(y), await listTree(x));
    const names = await entryNames(tar);
    assert.ok(names.includes('link:usr/bin/tool-alias') || names.includes('link:usr/bin/tool'), 'hardlink detected by inode');
    const again = await capture((out) => tarDirectory(x, out));
    assert.equal(again.result.diffID, result.diffID, 'deterministic');
  });

  it('names entries under rootName when given', async () => {
    const base = await tmp();
    await fs.mkdir(path.join(base, 'src/sub'), { recursive: true });
    await fs.writeFile(path.join(base, 'src/sub/f'), 'f');
    const { tar } = await capture((out) => tarDirectory(path.join(base, 'src'), out, { rootName: 'copy' }));
    assert.deepEqual(await entryNames(tar), ['directory:copy/', 'directory:copy/sub/', 'file:copy/sub/f']);
    const single = await capture((out) => tarDirectory(path.join(base, 'src/sub/f'), out));
    assert.deepEqual(await entryNames(single.tar), ['file:f']);
  });

  it('turns overlay whiteouts and opaque dirs into OCI entries, and back', async () => {
    const base = await tmp();
    const upper = path.join(base, 'upper');
    await fs.mkdir(path.join(upper, 'etc'), { recursive: true });
    await fs.writeFile(path.join(upper, 'etc/conf'), 'new');
    await runCommand('mknod', [path.join(upper, 'etc/removed'), 'c', '0', '0']);
    await fs.mkdir(path.join(upper, 'var'));
    await runCommand('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(upper, 'var')]);
    await fs.writeFile(path.join(upper, 'var/fresh'), 'fresh');
    const { tar } = await capture((out) => writeDiff(upper, out));
    assert.deepEqual(await entryNames(tar), ['directory:etc/', 'file:etc/conf', 'file:etc/.wh.removed', 'directory:var/', 'file:var/.wh..wh..opq', 'file:var/fresh']);
    const back = path.join(base, 'back');
    await fs.mkdir(back);
    await applyLayer(Readable.from([tar]), back, { whiteouts: 'overlay' });
    assert.deepEqual(await listTree(back), await listTree(upper));
  });

  it('diffs a real overlay mount: apply(diff) onto the lower gives the merged view', async () => {
    const base = await tmp();
    const [lower, upper, work, merged, flat] = ['lower', 'upper', 'work', 'merged', 'flat'].map((d) => path.join(base, d));
    for (const d of [lower, upper, work, merged]) await fs.mkdir(d);
    await richTree(lower);
    await fs.mkdir(path.join(lower, 'cache/deep'), { recursive: true });
    await fs.writeFile(path.join(lower, 'cache/deep/old'), 'old');
    await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
    mounts.push(merged);
    const m = (r: string) => path.join(merged, r);
    await fs.rm(m('big'));
    await fs.writeFile(m('usr/bin/tool'), 'patched');
    await fs.rm(m('cache'), { recursive: true });
    await fs.mkdir(m('cache'));
    await fs.writeFile(m('cache/new'), 'new');
    await fs.symlink('dangling', m('added-link'));
    const want = await listTree(merged);
    await runCommand('umount', [merged]);
    mounts.pop();
    const { tar } = await capture((out) => writeDiff(upper, out));
    const names = await entryNames(tar);
    assert.ok(names.includes('file:.wh.big'), names.join(' '));
    assert.ok(names.includes('file:cache/.wh..wh..opq'), names.join(' '));
    await runCommand('cp', ['-a', lower, flat]);
    await applyLayer(Readable.from([tar]), flat, { whiteouts: 'delete' });
    assert.deepEqual(await listTree(flat), want);
  });
});
