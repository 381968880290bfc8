/**
 * The classic builder's layer cache on wharfd, through the real docker CLI: an identical rebuild
 * reuses every step and gives the same image ID; changing a late COPY source rebuilds from that
 * step only (touching a file does not); --no-cache ignores the cache; the cache survives a
 * daemon restart; intermediate images behave as Docker's (hidden, shown by -a, removed by rmi).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupContexts, dockerBuild, fillContext, idOf, ok, writeContext } from './build.fixture.js';
import { cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);
after(cleanupContexts);

const DOCKERFILE = `FROM busybox
RUN echo one > /one
COPY a.txt /a
ENV STAGE=two
RUN echo two > /two
COPY b.txt /b
CMD ["cat", "/b"]
`;

const cachedSteps = (out: string) => (out.match(/^ ---> Using cache$/gm) ?? []).length;

describe('build cache', () => {
  let d: TestDaemon;
  let ctx: string;
  let first: string;

  before(async () => {
    d = await startDaemonWithBusybox();
    ctx = await writeContext({ Dockerfile: DOCKERFILE, 'a.txt': 'a\n', 'b.txt': 'b1\n' });
    first = idOf(ok(await dockerBuild(d, ['-q', '-t', 'cached:1', ctx]), 'first build'));
  });
  after(async () => {
    await d?.destroy();
  });

  it('reuses every step on an identical rebuild and gives the same image ID', async () => {
    const out = ok(await dockerBuild(d, ['-t', 'cached:1', ctx]), 'rebuild');
    assert.equal(cachedSteps(out), 6, out);
    assert.doesNotMatch(out, /Running in/);
    assert.match(out, new RegExp(`^Successfully built ${first.slice(7, 19)}$`, 'm'));
  });

  it('does not count mtimes: touching a source keeps the cache', async () => {
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(path.join(ctx, 'a.txt'), later, later);
    const out = ok(await dockerBuild(d, [ctx]), 'rebuild');
    assert.equal(cachedSteps(out), 6, out);
  });

  it('rebuilds from a changed late COPY source only', async () => {
    await fillContext(ctx, { 'b.txt': 'b2\n' });
    const out = ok(await dockerBuild(d, ['-t', 'cached:2', ctx]), 'rebuild');
    assert.equal(cachedSteps(out), 4, out);
    assert.match(out, /^Step 6\/7 : COPY b.txt \/b\n ---> [0-9a-f]{12}$/m);
    assert.equal(ok(await d.docker(['run', '--rm', 'cached:2']), 'run'), 'b2\n');
    const id2 = ok(await d.docker(['image', 'inspect', '-f', '{{.Id}}', 'cached:2']), 'inspect').trim();
    assert.notEqual(id2, first);
    // Both builds share the images of the first five steps.
    const parent = (ref: string) => d.docker(['image', 'inspect', '-f', '{{.Parent}}', ref]).then((r) => r.stdout.trim());
    assert.equal(await parent(`${id2}`).then((p) => parent(p)), await parent(first).then((p) => parent(p)));
  });

  it('--no-cache runs every step again', async () => {
    const out = ok(await dockerBuild(d, ['--no-cache', '-t', 'cached:nocache', ctx]), 'build');
    assert.equal(cachedSteps(out), 0, out);
    assert.equal((out.match(/Running in/g) ?? []).length, 2);
  });

  it('hides intermediate images unless -a, and rmi removes them with the image', async () => {
    const plain = ok(await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']), 'images');
    assert.doesNotMatch(plain, /<none>/);
    const all = ok(await d.docker(['images', '-a', '--format', '{{.Repository}}:{{.Tag}}']), 'images -a');
    assert.match(all, /<none>:<none>/);
    ok(await dockerBuild(d, ['-q', '-t', 'solo:1', await writeContext({ Dockerfile: 'FROM busybox\nENV SOLO=1\nLABEL solo=yes\n' })]), 'build');
    const before = ok(await d.docker(['images', '-a', '-q']), 'images').trim().split('\n').length;
    const rmi = ok(await d.docker(['rmi', 'solo:1']), 'rmi');
    assert.equal((rmi.match(/^Deleted: /gm) ?? []).length, 2, rmi);
    assert.equal(ok(await d.docker(['images', '-a', '-q']), 'images').trim().split('\n').length, before - 2);
  });

  it('survives a daemon restart', async () => {
    await d.stop();
    d = await startWharfd({ dir: d.dir });
    const out = ok(await dockerBuild(d, ['-t', 'cached:after-restart', ctx]), 'rebuild');
    assert.equal(cachedSteps(out), 6, out);
    const id = ok(await d.docker(['image', 'inspect', '-f', '{{.Id}}', 'cached:after-restart']), 'inspect').trim();
    // Like Docker, the newest matching image wins: the --no-cache build's chain.
    assert.equal(id, ok(await d.docker(['image', 'inspect', '-f', '{{.Id}}', 'cached:nocache']), 'inspect').trim());
  });

  it('--cache-from uses a loaded image (no parent chain) by its history', async () => {
    const saved = path.join(d.dir, 'cached.tar');
    ok(await d.docker(['save', '-o', saved, 'cached:2']), 'save');
    const id = ok(await d.docker(['image', 'inspect', '-f', '{{.Id}}', 'cached:2']), 'inspect').trim();
    const other = await startDaemonWithBusybox();
    try {
      ok(await other.docker(['load', '-i', saved]), 'load');
      await fillContext(ctx, { 'b.txt': 'b2\n' });
      const out = ok(await dockerBuild(other, ['--cache-from', 'cached:2', '-t', 'from-cache:1', ctx]), 'build --cache-from');
      assert.equal(cachedSteps(out), 6, out);
      assert.equal(ok(await other.docker(['image', 'inspect', '-f', '{{.Id}}', 'from-cache:1']), 'inspect').trim(), id);
      // As in dockerd, the restored intermediate images carry no container_config: they serve
      // --cache-from builds, not the local cache.
      assert.equal(cachedSteps(ok(await dockerBuild(other, ['--cache-from', 'cached:2', ctx]), 'rebuild')), 6);
    } finally {
      await other.destroy();
    }
  });
});
