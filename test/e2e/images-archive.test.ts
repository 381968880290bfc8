import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { legacyArchive, makeImage, pseudoRandom, tarOf } from '../../src/services/images/testsuite.js';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import { DOCKER, run, startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { busyboxRootfs, comparableInspect, lines, writeFixture } from './images-fixtures.js';

const DOCKERFILE = `FROM base:1
LABEL org.example.tier=test
ENV GREETING=hello
COPY a.txt /a.txt
COPY sub /sub
RUN echo built > /built.txt && rm /etc/issue
CMD ["sh", "-c", "cat /a.txt"]
`;

async function inspectJSON(d: TestDaemon | RealDockerd, name: string): Promise<Record<string, unknown>> {
  const res = await d.docker(['image', 'inspect', name]);
  assert.equal(res.code, 0, res.stderr);
  return (JSON.parse(res.stdout) as Record<string, unknown>[])[0]!;
}

describe('docker save / docker load between wharfd and real dockerd', () => {
  let w: TestDaemon;
  let r: RealDockerd;
  let work: string;
  before(async () => {
    [w, r] = await Promise.all([startWharfd(), startRealDockerd()]);
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-archive-'));
  });
  after(async () => {
    await Promise.all([w?.destroy(), r?.stop()]);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('an image built and saved by dockerd loads into wharfd and inspects identically', async () => {
    // Build a multi-layer image in real dockerd (COPY layers, a RUN with a whiteout, empty layers).
    const ctx = path.join(work, 'ctx');
    await fs.mkdir(path.join(ctx, 'sub'), { recursive: true });
    await fs.writeFile(path.join(ctx, 'Dockerfile'), DOCKERFILE);
    await fs.writeFile(path.join(ctx, 'a.txt'), 'file a\n');
    await fs.writeFile(path.join(ctx, 'sub', 'b.txt'), 'b\n');
    assert.equal((await r.docker(['import', await writeFixture(work, 'rootfs.tar', await busyboxRootfs([{ name: './etc/issue', data: 'Wharf test\n' }])), 'base:1'])).code, 0);
    const build = await r.docker(['build', '--network', 'none', '-t', 'rd-built:1', ctx], { env: { DOCKER_BUILDKIT: '0' } });
    assert.equal(build.code, 0, build.stderr);
    const tar = path.join(work, 'rd-built.tar');
    assert.equal((await r.docker(['save', '-o', tar, 'rd-built:1'])).code, 0);
    // Reload it into dockerd too, so both daemons hold it in the same (loaded) state.
    assert.equal((await r.docker(['rmi', 'rd-built:1'])).code, 0);
    const rl = await r.docker(['load', '-i', tar]);
    const wl = await w.docker(['load', '-i', tar]);
    assert.equal(wl.code, 0, wl.stderr);
    assert.equal(wl.stdout, 'Loaded image: rd-built:1\n');
    assert.equal(wl.stdout, rl.stdout);
    const [wi, ri] = await Promise.all([inspectJSON(w, 'rd-built:1'), inspectJSON(r, 'rd-built:1')]);
    assert.deepEqual(comparableInspect(wi), comparableInspect(ri));
    assert.equal((wi.RootFS as { Layers: string[] }).Layers.length, 4);
    const fmt = ['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}', 'rd-built:1'];
    const [wh, rh] = await Promise.all([w.docker(fmt), r.docker(fmt)]);
    assert.equal(wh.stdout, rh.stdout);
  });

  it('an image saved by wharfd loads into dockerd with the same ID, layers and config', async () => {
    const rootfs = await writeFixture(work, 'rootfs2.tar', await busyboxRootfs([{ name: './etc/motd', data: 'saved by wharf\n' }]));
    assert.equal((await w.docker(['import', '--change', 'ENV A=1', '--change', 'CMD ["sh"]', rootfs, 'wharf-made:1'])).code, 0);
    assert.equal((await w.docker(['tag', 'wharf-made:1', 'localhost:5000/team/made:2'])).code, 0);
    const tar = path.join(work, 'wharf-made.tar');
    const save = await w.docker(['save', '-o', tar, 'wharf-made:1', 'localhost:5000/team/made:2', 'rd-built:1']);
    assert.equal(save.code, 0, save.stderr);
    const load = await r.docker(['load', '-i', tar]);
    assert.equal(load.code, 0, load.stderr);
    assert.deepEqual(lines(load.stdout).sort(), ['Loaded image: localhost:5000/team/made:2', 'Loaded image: rd-built:1', 'Loaded image: wharf-made:1']);
    const [wi, ri] = await Promise.all([inspectJSON(w, 'wharf-made:1'), inspectJSON(r, 'wharf-made:1')]);
    for (const k of ['Id', 'RepoTags', 'Config', 'RootFS', 'Size', 'Created', 'Comment', 'Architecture', 'Os']) assert.deepEqual(wi[k], ri[k], k);
  });

  it('docker save | docker load through pipes, by ID and by repository name', async () => {
    const pipe = (saveArgs: string) =>
      run('sh', ['-c', `DOCKER_HOST=${w.host} ${DOCKER} save ${saveArgs} | DOCKER_HOST=${r.host} ${DOCKER} load`], { env: { ...process.env, DOCKER_CONFIG: path.join(work, 'cfg') } });
    const id = (await w.docker(['images', '-q', '--no-trunc', 'rd-built'])).stdout.trim();
    assert.equal((await r.docker(['rmi', 'rd-built:1'])).code, 0);
    const byId = await pipe(id);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(byId.stdout, `Loaded image ID: ${id}\n`);
    const byRepo = await pipe('localhost:5000/team/made');
    assert.equal(byRepo.code, 0, byRepo.stderr);
    assert.equal(byRepo.stdout, 'Loaded image: localhost:5000/team/made:2\n');
    const unknown = await w.docker(['save', 'nosuch:img']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'Error response from daemon: No such image: nosuch:img\n');
  });

  it('a hostile archive is refused with a clear error and leaves nothing behind', async () => {
    const marker = `escaped-${randomBytes(4).toString('hex')}`;
    const layer = await tarOf([
      { name: 'pad.bin', data: pseudoRandom(2 << 20, 'pad') },
      { name: `../../../../../../tmp/${marker}`, data: 'pwned' },
    ]);
    const archive = await legacyArchive([{ image: makeImage([layer]), tags: ['evil:1'] }]);
    const file = await writeFixture(work, 'evil.tar', archive);
    const before = (await w.docker(['images', '-q'])).stdout;
    const res = await w.docker(['load', '-i', file]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Error response from daemon: .*path escapes the layer root/);
    assert.equal((await w.docker(['images', '-q'])).stdout, before, 'no new image');
    await assert.rejects(fs.stat(path.join('/tmp', marker)));
    const meta = JSON.parse(await fs.readFile(path.join(w.dataRoot, 'overlay', 'metadata.json'), 'utf8')).snapshots as Record<string, unknown>;
    assert.ok(!Object.keys(meta).some((k) => k.startsWith('images-')), 'no temporary snapshot left');
    const dirs = await fs.readdir(path.join(w.dataRoot, 'overlay', 'snapshots'));
    assert.equal(dirs.length, Object.keys(meta).length, 'no snapshot directory without a record');
    const found = await fs.readdir(w.dir, { recursive: true });
    assert.ok(!found.some((f) => f.includes(marker)), 'nothing written under the data root either');
  });
});
