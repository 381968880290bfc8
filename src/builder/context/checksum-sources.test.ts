import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { checksumSources } from './checksum-sources.js';
import { resolveSources } from './resolve-sources.js';

let ctx: string;
const made: string[] = [];
beforeEach(async () => {
  ctx = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-cksum-'));
  made.push(ctx);
  await fs.mkdir(path.join(ctx, 'dir/sub'), { recursive: true });
  await fs.writeFile(path.join(ctx, 'a.txt'), 'a');
  await fs.writeFile(path.join(ctx, 'b.txt'), 'b');
  await fs.writeFile(path.join(ctx, 'c.md'), 'c');
  await fs.writeFile(path.join(ctx, 'dir/x'), 'x');
  await fs.writeFile(path.join(ctx, 'dir/sub/y'), 'y');
  await fs.symlink('../a.txt', path.join(ctx, 'dir/link'));
  await fs.symlink('a.txt', path.join(ctx, 'alink'));
  await fs.symlink('/etc/passwd', path.join(ctx, 'escape'));
});
after(async () => {
  for (const d of made) await fs.rm(d, { recursive: true, force: true });
});

const sum = async (patterns: string[], opts = {}) => (await checksumSources(ctx, patterns, opts)).digest;

describe('checksumSources', () => {
  it('names one file file:<hex>, one dir dir:<hex>, several multi:<hex>', async () => {
    assert.match((await checksumSources(ctx, ['a.txt'])).summary, /^file:[0-9a-f]{64}$/);
    assert.match((await checksumSources(ctx, ['dir'])).summary, /^dir:[0-9a-f]{64}$/);
    const multi = await checksumSources(ctx, ['a.txt', 'dir']);
    assert.match(multi.summary, /^multi:[0-9a-f]{64}$/);
    assert.deepEqual(
      multi.sources.map((s) => [s.path, s.type, s.hash.split(':')[0]]),
      [
        ['a.txt', 'file', 'file'],
        ['dir', 'directory', 'dir'],
      ],
    );
  });

  it('ignores mtimes but counts content, mode, owner-to-be and --chmod', async () => {
    const base = await sum(['a.txt']);
    await fs.utimes(path.join(ctx, 'a.txt'), 1000, 1000);
    assert.equal(await sum(['a.txt']), base);
    await fs.chmod(path.join(ctx, 'a.txt'), 0o755);
    const mode = await sum(['a.txt']);
    assert.notEqual(mode, base);
    assert.notEqual(await sum(['a.txt'], { chown: { uid: 1000, gid: 1000 } }), mode);
    assert.equal(await sum(['a.txt'], { chown: { uid: 0, gid: 0 } }), mode);
    assert.notEqual(await sum(['a.txt'], { chmod: 0o600 }), mode);
    // The context's own owner does not land in the image (Docker copies as 0:0 or --chown).
    await fs.chown(path.join(ctx, 'a.txt'), 1234, 1234);
    assert.equal(await sum(['a.txt']), mode);
    await fs.writeFile(path.join(ctx, 'a.txt'), 'A');
    assert.notEqual(await sum(['a.txt']), mode);
  });

  it('covers a directory tree: nested content, new files, renames, symlink targets', async () => {
    const base = await sum(['dir']);
    await fs.utimes(path.join(ctx, 'dir/sub/y'), 5, 5);
    assert.equal(await sum(['dir']), base);
    await fs.writeFile(path.join(ctx, 'dir/sub/y'), 'Y');
    const changed = await sum(['dir']);
    assert.notEqual(changed, base);
    await fs.writeFile(path.join(ctx, 'dir/sub/z'), '');
    const added = await sum(['dir']);
    assert.notEqual(added, changed);
    await fs.rename(path.join(ctx, 'dir/sub/z'), path.join(ctx, 'dir/sub/w'));
    const renamed = await sum(['dir']);
    assert.notEqual(renamed, added);
    await fs.unlink(path.join(ctx, 'dir/link'));
    await fs.symlink('../b.txt', path.join(ctx, 'dir/link'));
    const relinked = await sum(['dir']);
    assert.notEqual(relinked, renamed);
    await fs.mkdir(path.join(ctx, 'dir/empty'));
    assert.notEqual(await sum(['dir']), relinked);
  });

  it('does not change when unrelated context files change', async () => {
    const base = await sum(['dir', 'a.txt']);
    await fs.writeFile(path.join(ctx, 'c.md'), 'changed');
    assert.equal(await sum(['dir', 'a.txt']), base);
  });
});

describe('resolveSources', () => {
  it('drops a leading / or ./ and follows a symlink source inside the context', async () => {
    const r = await resolveSources(ctx, ['/a.txt', './b.txt', 'alink', '.']);
    assert.deepEqual(
      r.map((s) => [s.source, s.path, s.type]),
      [
        ['/a.txt', 'a.txt', 'file'],
        ['./b.txt', 'b.txt', 'file'],
        ['alink', 'alink', 'file'],
        ['.', '.', 'directory'],
      ],
    );
    assert.equal(r[2].hostPath, path.join(ctx, 'a.txt'));
  });

  it('expands Go wildcards over the context in lexical order', async () => {
    assert.deepEqual(
      (await resolveSources(ctx, ['*.txt'])).map((s) => s.path),
      ['a.txt', 'b.txt'],
    );
    assert.deepEqual(
      (await resolveSources(ctx, ['dir/*'])).map((s) => s.path),
      ['dir/link', 'dir/sub', 'dir/x'],
    );
    assert.deepEqual(
      (await resolveSources(ctx, ['[ab].txt', 'c.?d'])).map((s) => s.path),
      ['a.txt', 'b.txt', 'c.md'],
    );
    assert.deepEqual(
      (await resolveSources(ctx, ['*.txt'], { allowWildcards: false }).catch((e: Error) => e.message)),
      'COPY failed: file not found in build context or excluded by .dockerignore: stat *.txt: file does not exist',
    );
  });

  it('words Docker errors', async () => {
    await assert.rejects(
      resolveSources(ctx, ['a.txt', 'nosuch']),
      (e: unknown) => isKind(e, 'NotFound') && (e as Error).message === 'COPY failed: file not found in build context or excluded by .dockerignore: stat nosuch: file does not exist',
    );
    await assert.rejects(
      resolveSources(ctx, ['../x'], { instruction: 'ADD' }),
      (e: unknown) => isKind(e, 'InvalidArgument') && (e as Error).message === 'ADD failed: forbidden path outside the build context: ../x ()',
    );
    await assert.rejects(resolveSources(ctx, ['dir/../../x']), /forbidden path outside the build context: dir\/\.\.\/\.\.\/x \(\)/);
    await assert.rejects(resolveSources(ctx, ['*.nope']), (e: unknown) => (e as Error).message === 'COPY failed: no source files were specified');
    // A symlink out of the context resolves inside it, where there is no etc/passwd.
    await assert.rejects(resolveSources(ctx, ['escape']), /stat escape: file does not exist/);
  });
});
