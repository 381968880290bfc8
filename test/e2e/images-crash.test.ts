import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { layerTar, legacyArchive, makeImage, pseudoRandom } from '../../src/services/images/testsuite.js';
import { DOCKER, run, startWharfd, type TestDaemon } from '../helpers/wharfd.js';

async function snapshotKeys(d: TestDaemon): Promise<string[]> {
  const meta = JSON.parse(await fs.readFile(path.join(d.dataRoot, 'overlay', 'metadata.json'), 'utf8').catch(() => '{"snapshots":{}}'));
  return Object.keys(meta.snapshots as Record<string, unknown>);
}

/** Waits until a daemon holds no snapshot and no blob (a failed load cleans up asynchronously). */
async function waitEmpty(d: TestDaemon): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const keys = await snapshotKeys(d);
    const blobs = await fs.readdir(path.join(d.dataRoot, 'content', 'blobs', 'sha256'));
    if (keys.length === 0 && blobs.length === 0) return;
    if (Date.now() > deadline) assert.fail(`left behind: snapshots ${keys}, blobs ${blobs}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type KillPoint = { snapshot: string; after: number } | { time: number };

/** Waits for a kill point: a time from now, or a snapshot key prefix showing up (then a delay). */
async function killPoint(d: TestDaemon, p: KillPoint, load: Promise<unknown>): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  if ('time' in p) return void (await sleep(p.time));
  let done = false;
  void load.then(() => (done = true));
  while (!done && !(await snapshotKeys(d)).some((k) => k.startsWith(p.snapshot))) await sleep(2);
  await sleep(p.after);
}

/** Checks that what a (restarted) daemon holds is whole: every image inspects and saves. */
async function assertConsistent(d: TestDaemon): Promise<string[]> {
  const ids = (await d.docker(['images', '-a', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean);
  for (const id of ids) {
    const inspect = await d.docker(['image', 'inspect', '-f', '{{.Size}}', id]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const save = await run('sh', ['-c', `${DOCKER} save ${id} | tar -t >/dev/null`], { env: d.env });
    assert.equal(save.code, 0, `image ${id} cannot be saved: ${save.stderr}`);
  }
  const meta = JSON.parse(await fs.readFile(path.join(d.dataRoot, 'overlay', 'metadata.json'), 'utf8').catch(() => '{"snapshots":{}}'));
  const keys = Object.keys(meta.snapshots as Record<string, unknown>);
  assert.ok(!keys.some((k) => k.startsWith('images-')), `temporary snapshots left after restart: ${keys}`);
  const dirs = await fs.readdir(path.join(d.dataRoot, 'overlay', 'snapshots'));
  assert.equal(dirs.length, keys.length, 'a snapshot directory without a record (or the reverse)');
  return ids;
}

describe('kill -9 during docker load leaves consistent image metadata', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('restarts cleanly after a kill at several points of a load, then loads fine', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-crash-'));
    dirs.push(work);
    const layers = [];
    for (let i = 0; i < 4; i++) {
      const files: Record<string, Buffer | string> = { [`big${i}.bin`]: pseudoRandom(6 << 20, `crash ${i}`) };
      for (let f = 0; f < 100; f++) files[`d${i}/f${f}.txt`] = `file ${i}/${f}\n`;
      layers.push(await layerTar(files));
    }
    const img = makeImage(layers);
    const archive = path.join(work, 'crash.tar');
    await fs.writeFile(archive, await legacyArchive([{ image: img, tags: ['crash:1'] }]));
    const daemonDir = path.join(work, 'daemon');
    await fs.mkdir(daemonDir);
    let interrupted = 0;
    // Kill points: while a layer is being staged (right away and a little later), while layers
    // are moved into place (an unpack snapshot exists), and at fixed times from the start.
    const points: KillPoint[] = [
      { snapshot: 'images-stage-', after: 0 },
      { snapshot: 'images-stage-', after: 150 },
      { snapshot: 'images-stage-', after: 400 },
      { snapshot: 'images-unpack-', after: 0 },
      { time: 30 },
      { time: 900 },
    ];
    for (const point of points) {
      const d = await startWharfd({ dir: daemonDir });
      const load = d.docker(['load', '-i', archive]);
      await killPoint(d, point, load);
      await d.kill();
      const res = await load;
      const again = await startWharfd({ dir: daemonDir });
      try {
        const ids = await assertConsistent(again);
        if (res.code !== 0) interrupted++;
        // Either the load finished before the kill (then the image is complete) or nothing is there.
        assert.ok(ids.length === 0 || (ids.length === 1 && ids[0] === img.id), `unexpected images ${ids}`);
        if (ids.length === 1) assert.equal((await again.docker(['rmi', 'crash:1'])).code, 0);
      } finally {
        await again.kill();
      }
    }
    // Some kills must have hit a load in flight, or this test proves nothing.
    assert.ok(interrupted >= 3, `only ${interrupted} loads were interrupted`);
    const d = await startWharfd({ dir: daemonDir });
    try {
      const res = await d.docker(['load', '-i', archive]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, 'Loaded image: crash:1\n');
      await assertConsistent(d);
    } finally {
      await d.stop();
    }
  });

  it('a truncated upload or a client that hangs up mid-load leaves nothing behind', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-hangup-'));
    dirs.push(work);
    const layers = [];
    for (let i = 0; i < 3; i++) layers.push(await layerTar({ [`big${i}.bin`]: pseudoRandom(8 << 20, `hangup ${i}`) }));
    const archive = path.join(work, 'hangup.tar');
    await fs.writeFile(archive, await legacyArchive([{ image: makeImage(layers), tags: ['hangup:1'] }]));
    const d = await startWharfd();
    dirs.push(d.dir);
    try {
      // A truncated archive: the upload ends cleanly, in the middle of a layer.
      const truncated = await run('sh', ['-c', `head -c 10000000 ${archive} | ${DOCKER} load`], { env: d.env });
      assert.equal(truncated.code, 1);
      assert.match(truncated.stderr, /unexpected end of data|invalid tar archive/i);
      await waitEmpty(d);
      // A client killed mid-upload: the connection just closes.
      const client = spawn(DOCKER, ['load', '-i', archive], { env: d.env, stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (!(await snapshotKeys(d)).some((k) => k.startsWith('images-'))) {
        if (Date.now() > deadline) assert.fail('the load never started staging a layer');
        await new Promise((r) => setTimeout(r, 10));
      }
      client.kill('SIGKILL');
      await waitEmpty(d);
      assert.equal((await d.docker(['images', '-q'])).stdout, '');
      assert.deepEqual(await fs.readdir(path.join(d.dataRoot, 'overlay', 'snapshots')), []);
    } finally {
      await d.stop();
    }
  });
});
