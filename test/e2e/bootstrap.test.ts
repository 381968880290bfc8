import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import { entry, run, startWharfd, type TestDaemon } from '../helpers/wharfd.js';

const ID_RE = /^sha256:[a-f0-9]{64}$/;

describe('wharf image bootstrap busybox', () => {
  let d: TestDaemon;
  let real: RealDockerd;
  let id: string;

  before(async () => {
    [d, real] = await Promise.all([startWharfd(), startRealDockerd()]);
  });
  after(async () => {
    await Promise.allSettled([d?.destroy(), real?.stop()]);
  });

  it('makes busybox:latest and prints its ID like docker import', async (t) => {
    const started = Date.now();
    const r = await d.wharf(['image', 'bootstrap', 'busybox']);
    t.diagnostic(`wharf image bootstrap busybox took ${Date.now() - started} ms (CLI start-up included)`);
    assert.equal(r.code, 0, r.stderr);
    id = r.stdout.trim();
    assert.match(id, ID_RE);
    assert.equal(r.stderr, '', 'the busybox path prints no progress');
    const ls = await d.docker(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    assert.equal(ls.stdout.trim(), `busybox:latest ${id}`);
  });

  it('is a normal image: one layer, sh, the standard PATH, ~2 MB', async () => {
    const r = await d.docker(['image', 'inspect', '-f', '{{json .Config.Cmd}} {{json .Config.Env}} {{len .RootFS.Layers}} {{.Os}} {{.Size}}', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    const [cmd, env, layers, os, size] = r.stdout.trim().split(' ');
    assert.equal(cmd, '["sh"]');
    assert.equal(env, '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]');
    assert.equal(layers, '1');
    assert.equal(os, 'linux');
    assert.ok(Number(size) > 1_500_000 && Number(size) < 3_000_000, `size ${size}`);
    const h = await d.docker(['history', '--format', '{{.CreatedBy}}', 'busybox']);
    assert.equal(h.stdout.trim(), 'wharf image bootstrap busybox');
  });

  it('is reproducible: bootstrapping again gives the same image ID', async () => {
    const r = await d.wharf(['image', 'bootstrap', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), id);
    const ls = await d.docker(['images', '-q', '--no-trunc']);
    assert.deepEqual(ls.stdout.trim().split('\n'), [id]);
  });

  it('names the image with -t', async () => {
    const r = await d.wharf(['image', 'bootstrap', '-t', 'tools/bb:1', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), id);
    const ls = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}', 'tools/bb']);
    assert.equal(ls.stdout.trim(), 'tools/bb:1');
  });

  it('writes the same image with -o, and real Docker loads and runs it with the same ID', async () => {
    const file = path.join(d.dir, 'busybox.tar');
    const r = await d.wharf(['image', 'bootstrap', 'busybox', '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), id);
    const load = await real.docker(['load', '-i', file]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /Loaded image: busybox:latest/);
    const realId = await real.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox']);
    assert.equal(realId.stdout.trim(), id, 'the image ID is the same on both daemons');
    // dockerd runs it with runc: the image is sound (static busybox, applet links, /bin/sh).
    const ok = await real.docker(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'ok']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'ok\n');
    const more = await real.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'id -un; ls -ld /tmp | cut -c1-10; wget --help 2>&1 | head -1 | cut -d" " -f1']);
    assert.equal(more.stdout, 'root\ndrwxrwxrwt\nBusyBox\n', more.stderr);
  });

  it('saved by wharfd, the image also loads into real Docker unchanged', async () => {
    const file = path.join(d.dir, 'saved.tar');
    const save = await d.docker(['save', '-o', file, 'busybox:latest']);
    assert.equal(save.code, 0, save.stderr);
    await real.docker(['rmi', '-f', 'busybox']);
    const load = await real.docker(['load', '-i', file]);
    assert.equal(load.code, 0, load.stderr);
    const realId = await real.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox']);
    assert.equal(realId.stdout.trim(), id);
    await fs.rm(file);
  });

  it('fails fast, before building anything, when no daemon answers', async () => {
    const r = await run(process.execPath, [...entry('wharf'), '-H', `unix://${path.join(d.dir, 'nothing.sock')}`, 'image', 'bootstrap', 'busybox'], { env: d.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Cannot connect to the Docker daemon|nothing\.sock/);
    assert.equal(r.stdout, '');
  });

  it('refuses unknown base images and bad tags with docker-like errors', async () => {
    const a = await d.wharf(['image', 'bootstrap', 'alpine']);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /cannot bootstrap "alpine": the base images are busybox and debian\[:SUITE\]/);
    const b = await d.wharf(['image', 'bootstrap', '-t', 'Bad/Name', 'busybox']);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /invalid reference format/);
    const c = await d.wharf(['image', 'bootstrap', 'debian:nope']);
    assert.match(c.stderr, /unknown Debian suite "nope"/);
  });
});
