/**
 * The same Dockerfiles built by a private real dockerd (classic builder) and by wharfd, from the
 * same busybox image: the images must have the same config (Cmd, Entrypoint, Env, WorkingDir,
 * User, ExposedPorts, Labels, Volumes, Healthcheck…), the same history (checksums aside) and
 * the same files with the same modes and owners (`docker export | tar tv`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import type { TestDaemon } from '../helpers/wharfd.js';
import { cleanupContexts, everyInstructionContext, exportListing, ok, writeContext } from './build.fixture.js';
import { busyboxArchive, cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);
after(cleanupContexts);

type Daemon = Parameters<typeof exportListing>[0];

/** Config, history (checksums masked) and file listing of `ref`. */
async function describeImage(d: Daemon, ref: string, prefixes: string[]) {
  const inspect = JSON.parse(ok(await d.docker(['image', 'inspect', ref]), 'inspect'))[0];
  const { Image: _parent, ...config } = inspect.Config;
  const history = ok(await d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', ref]), 'history')
    .replace(/(file|dir|multi):[0-9a-f]{64}/g, '$1:<sum>')
    .trim()
    .split('\n');
  return { config, history, files: await exportListing(d, ref, prefixes), layers: inspect.RootFS.Layers.length };
}

describe('wharfd builds what dockerd builds', () => {
  let w: TestDaemon;
  let real: RealDockerd;

  before(async () => {
    [w, real] = await Promise.all([startDaemonWithBusybox(), startRealDockerd()]);
    ok(await real.docker(['load', '-i', await busyboxArchive()]), 'load into dockerd');
  });
  after(async () => {
    await Promise.allSettled([w?.destroy(), real?.stop()]);
  });

  const build = async (ctx: string, tag: string, extra: string[] = []) => {
    const env = { DOCKER_BUILDKIT: '0' };
    const [a, b] = await Promise.all([w.docker(['build', '-q', '-t', tag, ...extra, ctx]), real.docker(['build', '-q', '-t', tag, ...extra, ctx], { env })]);
    ok(a, 'wharfd build');
    ok(b, 'dockerd build');
  };

  it('every instruction: same config, history and files', async () => {
    await build(await everyInstructionContext(), 'every:cmp');
    const prefixes = ['app/', 'owned/', 'unpacked/', 'data'];
    const [ours, theirs] = await Promise.all([describeImage(w, 'every:cmp', prefixes), describeImage(real, 'every:cmp', prefixes)]);
    assert.deepEqual(ours.config, theirs.config);
    assert.deepEqual(ours.history, theirs.history);
    assert.deepEqual(ours.files, theirs.files);
    assert.equal(ours.layers, theirs.layers);
  });

  it('COPY rules (directories, trailing slashes, --chown, symlinks), multi-stage and ADD: same files', async () => {
    const ctx = await writeContext({
      Dockerfile: [
        'FROM busybox AS build',
        'RUN mkdir -p /out/sub && echo x > /out/sub/x && chown -R 5:6 /out && chmod 700 /out/sub',
        'FROM busybox',
        'COPY sub /newdir',
        'COPY sub /tmp',
        'COPY --chown=1000:50 sub /tmp/',
        'COPY toplink /x/',
        'COPY d2/h /deep/er/file',
        'COPY --chown=1000 d2/h /deep2/er/',
        'COPY d2 /etc/',
        'COPY *.md /docs/',
        'COPY --from=build /out /fromstage',
        'COPY --from=build /out/sub/x /fromstage-file',
        'WORKDIR /made/by/workdir',
        'WORKDIR relative',
        'ENTRYPOINT echo shell form',
        '',
      ].join('\n'),
      'sub/f': '1\n',
      'sub/deep/g': { data: '2\n', mode: 0o640 },
      'd2/h': { data: '3\n', mode: 0o600 },
      'a.md': 'a\n',
      'b.md': 'b\n',
    });
    const { run } = await import('../helpers/wharfd.js');
    ok(await run('ln', ['-s', 'sub/f', `${ctx}/toplink`]), 'ln');
    ok(await run('ln', ['-s', 'f', `${ctx}/sub/lnk`]), 'ln');
    await build(ctx, 'rules:cmp');
    const prefixes = ['newdir', 'tmp', 'x/', 'deep', 'etc/h', 'docs', 'fromstage', 'made'];
    const [ours, theirs] = await Promise.all([describeImage(w, 'rules:cmp', prefixes), describeImage(real, 'rules:cmp', prefixes)]);
    assert.deepEqual(ours.files, theirs.files);
    assert.deepEqual(ours.config, theirs.config);
    assert.deepEqual(ours.history, theirs.history);
  });
  it('VOLUME: what a later RUN writes under a volume path is discarded, as in dockerd', async () => {
    const ctx = await writeContext({
      Dockerfile: [
        'FROM busybox',
        'RUN mkdir /x && echo pre > /x/pre',
        'VOLUME /x /z/q',
        'RUN echo a > /x/a && echo b > /x/pre && echo c > /z/q/c && echo kept > /kept',
        'RUN ls /x /z/q > /listing && cat /x/pre >> /listing && rm /x/pre',
        '',
      ].join('\n'),
    });
    await build(ctx, 'volume:cmp');
    const prefixes = ['x', 'z', 'kept', 'listing'];
    const [ours, theirs] = await Promise.all([describeImage(w, 'volume:cmp', prefixes), describeImage(real, 'volume:cmp', prefixes)]);
    assert.deepEqual(ours.files, theirs.files);
    assert.deepEqual(ours.history, theirs.history);
    const cat = ['run', '--rm', 'volume:cmp', 'cat', '/listing', '/x/pre'];
    const [a, b] = await Promise.all([w.docker(cat), real.docker(cat)]);
    assert.equal(ok(a, 'run ours'), ok(b, 'run theirs'));
    assert.equal(a.stdout, '/x:\npre\n\n/z/q:\npre\npre\n');
  });
});
