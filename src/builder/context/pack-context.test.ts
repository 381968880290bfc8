import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { haveDockerCli, type ListedEntry, listTar, recordDockerBuild } from './context-test-util.js';
import { packContext } from './pack-context.js';

let tmp: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-packctx-'));
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Creates a context dir from a spec: path → content (string), `dir/` → directory, `->x` → symlink. */
async function makeContext(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(tmp, name);
  await fs.mkdir(root, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    await fs.mkdir(path.dirname(p), { recursive: true });
    if (rel.endsWith('/')) await fs.mkdir(p, { recursive: true });
    else if (content.startsWith('->')) await fs.symlink(content.slice(2), p);
    else await fs.writeFile(p, content);
  }
  return root;
}

const names = (l: ListedEntry[]) => l.map((e) => e.name);

/** Packs with ours and with the real CLI and asserts the same entries (random Dockerfile names normalised). */
async function sameAsDockerCli(dir: string, cliArgs: string[], ours: Parameters<typeof packContext>[1], stdin?: Buffer): Promise<ListedEntry[]> {
  const mine = await packContext(dir, ours);
  const mineList = await listTar(mine.tar);
  const rec = await recordDockerBuild([...cliArgs, '.'], { cwd: dir, stdin });
  const cliList = await listTar(rec.body);
  const norm = (l: ListedEntry[], df: string) =>
    l.map((e) => ({ ...e, name: e.name.replace(df, '.dockerfile.RANDOM'), content: e.content.replaceAll(df, '.dockerfile.RANDOM'), mtime: e.name === df || (e.name === '.dockerignore' && df.startsWith('.dockerfile.')) ? 0 : e.mtime }));
  assert.deepEqual(norm(mineList, mine.dockerfile), norm(cliList, rec.query.get('dockerfile') ?? ''));
  const theirs = rec.query.get('dockerfile') ?? '';
  if (theirs.startsWith('.dockerfile.')) assert.match(mine.dockerfile, /^\.dockerfile\.[0-9a-f]{20}$/);
  else assert.equal(mine.dockerfile, theirs);
  return mineList;
}

describe('packContext', () => {
  it('applies .dockerignore like the docker CLI: allow-list with * then !file', { skip: !haveDockerCli }, async () => {
    const dir = await makeContext('allow', {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': '*\n!a.txt\n!dir/keep\n',
      'a.txt': 'a',
      'b.txt': 'b',
      'dir/keep': 'k',
      'dir/other': 'o',
      'sub/a.txt': 'nested',
    });
    const list = await sameAsDockerCli(dir, [], {});
    assert.deepEqual(names(list), ['.dockerignore', 'Dockerfile', 'a.txt', 'dir/keep']);
    assert.ok(list.every((e) => e.owner === '0:0'));
  });

  it('matches the CLI for directories, ** patterns, exceptions, links and modes', { skip: !haveDockerCli }, async () => {
    const dir = await makeContext('mixed', {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': '# comment\n/build\n./docs/**\n!docs/keep.md\n**/*.log\n!important.log\nnode_modules\n!node_modules/keep/\n*.md\n',
      'README.md': 'r',
      'src/README.md': 'kept: *.md is anchored',
      'build/out': 'x',
      'docs/a.md': 'a',
      'docs/keep.md': 'k',
      'important.log': 'i',
      'src/debug.log': 'd',
      'src/main.c': 'int main;',
      'node_modules/x/index.js': 'x',
      'node_modules/keep/index.js': 'k',
      'empty/': '',
      'link': '->src/main.c',
      'abs-link': '->/etc/passwd',
    });
    await fs.chmod(path.join(dir, 'src/main.c'), 0o751);
    await fs.link(path.join(dir, 'src/main.c'), path.join(dir, 'hard.c'));
    const list = await sameAsDockerCli(dir, [], {});
    const got = names(list);
    for (const n of ['src/README.md', 'docs/keep.md', 'important.log', 'node_modules/keep/index.js', 'empty', 'link', 'hard.c']) assert.ok(got.includes(n), n);
    for (const n of ['README.md', 'build', 'build/out', 'docs/a.md', 'src/debug.log', 'node_modules/x/index.js']) assert.ok(!got.includes(n), n);
  });

  it('still sends an excluded Dockerfile and .dockerignore, also with -f inside the context', { skip: !haveDockerCli }, async () => {
    const dir = await makeContext('excluded-df', {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': 'Dockerfile\n.dockerignore\nci\n',
      'ci/Dockerfile.ci': 'FROM scratch\n',
      'ci/other': 'o',
      'a': 'a',
    });
    assert.deepEqual(names(await sameAsDockerCli(dir, [], {})), ['.dockerignore', 'Dockerfile', 'a']);
    const withF = await sameAsDockerCli(dir, ['-f', 'ci/Dockerfile.ci'], { dockerfile: path.join(dir, 'ci/Dockerfile.ci') });
    assert.deepEqual(names(withF), ['.dockerignore', 'a', 'ci/Dockerfile.ci']);
  });

  it('adds a Dockerfile given on stdin under a random name listed in .dockerignore', { skip: !haveDockerCli }, async () => {
    const dir = await makeContext('stdin-df', { 'a.txt': 'a', '.dockerignore': 'secret\n', secret: 's' });
    const df = Buffer.from('FROM scratch\nCOPY a.txt /\n');
    const list = await sameAsDockerCli(dir, ['-f', '-'], { dockerfileContent: df }, df);
    const random = list.find((e) => e.name.startsWith('.dockerfile.'));
    assert.ok(random);
    assert.equal(random.content, df.toString());
    assert.equal(random.mode, '600');
    assert.match(list.find((e) => e.name === '.dockerignore')?.content ?? '', new RegExp(`^secret\\n\\n${random.name.replace(/\./g, '\\.')}\\n$`));
  });

  it('matches the CLI for everything-excluded-but patterns and a Dockerfile outside the context', { skip: !haveDockerCli }, async () => {
    const dir = await makeContext('allbut', {
      '.dockerignore': '**\n!src/**\n!*.go\nsrc/gen\n!src/gen/keep.txt\n',
      'main.go': 'package main',
      'lib/x.go': 'package lib',
      'src/a.c': 'a',
      'src/gen/g.c': 'g',
      'src/gen/keep.txt': 'k',
      'src/sub/b.c': 'b',
    });
    const outside = path.join(tmp, 'Dockerfile.outside');
    await fs.writeFile(outside, 'FROM scratch\n');
    const list = await sameAsDockerCli(dir, ['-f', outside], { dockerfile: outside });
    const got = names(list);
    for (const n of ['main.go', 'src/a.c', 'src/gen/keep.txt', 'src/sub/b.c']) assert.ok(got.includes(n), n);
    for (const n of ['lib/x.go', 'src/gen/g.c']) assert.ok(!got.includes(n), n);
  });

  it('creates .dockerignore for a separate Dockerfile when there is none', async () => {
    const dir = await makeContext('stdin-no-ignore', { 'a.txt': 'a' });
    const packed = await packContext(dir, { dockerfileContent: 'FROM scratch\n' });
    const list = await listTar(packed.tar);
    assert.deepEqual(names(list), ['a.txt', '.dockerignore', packed.dockerfile]);
    assert.equal(list[1].content, `.dockerignore\n${packed.dockerfile}\n`);
  });

  it('compresses with gzip on request', async () => {
    const dir = await makeContext('gz', { Dockerfile: 'FROM scratch\n' });
    const packed = await packContext(dir, { compress: true });
    const chunks: Buffer[] = [];
    for await (const c of packed.tar) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    assert.deepEqual([buf[0], buf[1]], [0x1f, 0x8b]);
    assert.deepEqual(names(await listTar(buf)), ['Dockerfile']);
  });

  it('fails early for a missing directory, a file, or a bad pattern', async () => {
    await assert.rejects(packContext(path.join(tmp, 'nope')), (e: unknown) => isKind(e, 'NotFound') && /unable to prepare context: path .* not found/.test((e as Error).message));
    const dir = await makeContext('badpat', { Dockerfile: 'x', '.dockerignore': '[\n' });
    await assert.rejects(packContext(path.join(dir, 'Dockerfile')), /context must be a directory/);
    await assert.rejects(packContext(dir), (e: unknown) => isKind(e, 'InvalidArgument') && (e as Error).message === "error checking context: 'syntax error in pattern'.");
  });
});
