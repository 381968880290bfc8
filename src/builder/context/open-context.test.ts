import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { tarBuffer, type TarWriteHeader } from '../../lib/tar/tar-writer.js';
import { haveDockerCli, recordDockerBuild } from './context-test-util.js';
import { openBuildContext } from './open-context.js';
import { packContext } from './pack-context.js';

let tmp: string;
let scratch: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-openctx-'));
  scratch = path.join(tmp, 'scratch');
  await fs.mkdir(scratch);
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const file = (name: string, data = ''): { header: TarWriteHeader; data: string } => ({
  header: { name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000 },
  data,
});

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** No context dir may be left behind in the scratch dir. */
async function assertScratchEmpty(): Promise<void> {
  assert.deepEqual(await fs.readdir(scratch), []);
}

describe('openBuildContext', () => {
  it('extracts a packed directory and reads the Dockerfile', async () => {
    const dir = path.join(tmp, 'ctx1');
    await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
    await fs.writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
    await fs.writeFile(path.join(dir, 'sub/a.txt'), 'a');
    await fs.chmod(path.join(dir, 'sub/a.txt'), 0o640);
    const packed = await packContext(dir);
    const ctx = await openBuildContext(packed.tar, { dockerfile: packed.dockerfile, tmpDir: scratch });
    try {
      assert.equal(ctx.dockerfile, 'FROM scratch\nCOPY . /\n');
      assert.equal(ctx.dockerfileName, 'Dockerfile');
      assert.deepEqual(ctx.ignore, []);
      const st = await fs.stat(path.join(ctx.dir, 'sub/a.txt'));
      assert.equal(st.mode & 0o777, 0o640);
      assert.equal(st.uid, 0);
      assert.equal((await fs.stat(ctx.dir)).mode & 0o777, 0o700);
    } finally {
      await ctx.close();
    }
    await assertScratchEmpty();
  });

  it('accepts gzip and removes the Dockerfile and .dockerignore when .dockerignore excludes them', async () => {
    const tar = await tarBuffer([file('.dockerignore', '.dockerignore\nbuild.df\n'), file('build.df', 'FROM x\n'), file('keep', 'k')]);
    const ctx = await openBuildContext(Readable.from([gzipSync(tar)]), { dockerfile: 'build.df', tmpDir: scratch });
    try {
      assert.equal(ctx.dockerfile, 'FROM x\n');
      assert.deepEqual(ctx.ignore, ['.dockerignore', 'build.df']);
      assert.deepEqual((await fs.readdir(ctx.dir)).sort(), ['keep']);
    } finally {
      await ctx.close();
    }
  });

  it('accepts the tar the docker CLI cuts after its last entry (docker build -f -)', async () => {
    const dir = path.join(tmp, 'ctx-stdin');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'a.txt'), 'a');
    const packed = await packContext(dir, { dockerfileContent: 'FROM scratch\n' });
    const full = await collect(packed.tar);
    // Drop the end-of-archive blocks and the last entry's padding, as the CLI's stream ends.
    const cut = full.subarray(0, full.length - 1024 - (512 - 'FROM scratch\n'.length));
    const ctx = await openBuildContext(Readable.from([cut]), { dockerfile: packed.dockerfile, tmpDir: scratch });
    try {
      assert.equal(ctx.dockerfile, 'FROM scratch\n');
      // The random Dockerfile and .dockerignore were listed in .dockerignore: both are gone.
      assert.deepEqual(await fs.readdir(ctx.dir), ['a.txt']);
    } finally {
      await ctx.close();
    }
  });

  it('reads what the real docker CLI sends for -f -', { skip: !haveDockerCli }, async () => {
    const dir = path.join(tmp, 'ctx-cli');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'a.txt'), 'a');
    await fs.writeFile(path.join(dir, '.dockerignore'), 'nothing\n');
    const rec = await recordDockerBuild(['-f', '-', '.'], { cwd: dir, stdin: Buffer.from('FROM scratch\nCOPY a.txt /\n') });
    const ctx = await openBuildContext(Readable.from([rec.body]), { dockerfile: rec.query.get('dockerfile') ?? '', tmpDir: scratch });
    try {
      assert.equal(ctx.dockerfile, 'FROM scratch\nCOPY a.txt /\n');
      assert.deepEqual((await fs.readdir(ctx.dir)).sort(), ['.dockerignore', 'a.txt']);
    } finally {
      await ctx.close();
    }
  });

  it('rejects a tar cut inside an entry, and cleans up', async () => {
    const tar = await tarBuffer([file('Dockerfile', 'FROM x\n'), file('big', 'x'.repeat(2000))]);
    await assert.rejects(openBuildContext(Readable.from([tar.subarray(0, 1024 + 512 + 700)]), { tmpDir: scratch }), (e: unknown) => isKind(e, 'InvalidArgument'));
    await assertScratchEmpty();
  });

  it('falls back to lowercase dockerfile only for the default name', async () => {
    const tar = await tarBuffer([file('dockerfile', 'FROM lower\n')]);
    const ctx = await openBuildContext(Readable.from([tar]), { tmpDir: scratch });
    assert.equal(ctx.dockerfileName, 'dockerfile');
    await ctx.close();
    await assert.rejects(openBuildContext(Readable.from([tar]), { dockerfile: 'Other', tmpDir: scratch }), (e: unknown) => isKind(e, 'NotFound') && (e as Error).message === 'Cannot locate specified Dockerfile: Other');
    await assertScratchEmpty();
  });

  it('words Docker errors for empty, missing, outside and escaping Dockerfiles', async () => {
    const empty = await tarBuffer([file('Dockerfile', '')]);
    await assert.rejects(openBuildContext(Readable.from([empty]), { tmpDir: scratch }), (e: unknown) => isKind(e, 'InvalidArgument') && (e as Error).message === 'the Dockerfile (Dockerfile) cannot be empty');
    await assert.rejects(openBuildContext(Readable.from([Buffer.alloc(0)]), { tmpDir: scratch }), /Cannot locate specified Dockerfile: Dockerfile/);
    const ok = await tarBuffer([file('Dockerfile', 'FROM x\n')]);
    await assert.rejects(openBuildContext(Readable.from([ok]), { dockerfile: '../Dockerfile', tmpDir: scratch }), /forbidden path outside the build context: \.\.\/Dockerfile \(\)/);
    // A symlink pointing outside resolves inside the context (there is no etc/hostname here).
    const link = await tarBuffer([{ header: { name: 'Dockerfile', type: 'symlink', linkname: '/etc/hostname', mode: 0o777, uid: 0, gid: 0, mtime: 0 } }]);
    await assert.rejects(openBuildContext(Readable.from([link]), { tmpDir: scratch }), /Cannot locate specified Dockerfile: Dockerfile/);
    await assertScratchEmpty();
  });

  it('refuses entries that climb out of the context and leaves nothing behind', async () => {
    const evil = await tarBuffer([file('Dockerfile', 'FROM x\n'), file('../evil', 'x')]);
    await assert.rejects(openBuildContext(Readable.from([evil]), { tmpDir: scratch }), (e: unknown) => isKind(e, 'InvalidArgument'));
    assert.equal(existsSync(path.join(tmp, 'evil')), false);
    await assertScratchEmpty();
  });
});
