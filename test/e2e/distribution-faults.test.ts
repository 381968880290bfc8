/**
 * Pulls that must fail cleanly: a blob that does not match its digest, a registry killed in the
 * middle of a download (retried after dockerd's waits and resumed when it comes back; a clear
 * error after `--max-download-attempts` when it does not; then a new pull succeeds), the
 * daemon-wide `--max-concurrent-downloads` slots shared by two pulls, Docker Hub unreachable, malformed
 * and oversized manifests; and the formats a pull must accept: a manifest list narrowed to this
 * platform, an OCI manifest with a zstd layer. "Cleanly" is checked on disk: after a failure the
 * daemon holds exactly the blobs and snapshots it held before, and no ingest temp file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { EngineClient, readJSONMessages } from '../../src/client/index.js';
import { sha256 } from '../../src/lib/digest.js';
import { FakeRegistry } from '../../src/plugins/registry-client/fake-registry.js';
import { layerTar, makeImage, pseudoRandom, type TestImage } from '../../src/services/images/testsuite.js';
import { startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { layeredImage, loadImages, type RegistryProcess, startRegistry, storeState } from './distribution-fixtures.js';
import { lines } from './images-fixtures.js';

const V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI = 'application/vnd.oci.image.manifest.v1+json';

/** Puts `img` into the fake registry with its layers compressed (gzip, or zstd for OCI). */
function publish(reg: FakeRegistry, repo: string, tag: string, img: TestImage, format: 'docker' | 'oci-zstd' = 'docker'): { manifest: Buffer; layers: string[] } {
  const compress = (b: Buffer) => (format === 'docker' ? zlib.gzipSync(b) : spawnSync('zstd', ['-q', '-c'], { input: b }).stdout);
  const blobs = img.layers.map(compress);
  const layerType = format === 'docker' ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+zstd';
  const layers = blobs.map((b) => reg.putBlob(repo, b));
  reg.putBlob(repo, img.config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: format === 'docker' ? V2 : OCI,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: img.id, size: img.config.length },
      layers: blobs.map((b, i) => ({ mediaType: layerType, digest: layers[i], size: b.length })),
    }),
  );
  reg.putManifest(repo, tag, manifest, format === 'docker' ? V2 : OCI);
  return { manifest, layers };
}

describe('pull failures leave nothing behind (fake registry)', () => {
  let w: TestDaemon;
  const reg = new FakeRegistry();
  let img: TestImage;

  before(async () => {
    [w] = await Promise.all([startWharfd(), reg.start()]);
    img = makeImage([await layerTar({ 'base.bin': pseudoRandom(200_000, 'base') }), await layerTar({ 'top.bin': pseudoRandom(300_000, 'top') })]);
  });
  after(async () => {
    await Promise.all([w?.destroy(), reg.stop()]);
  });

  it('refuses a layer whose content does not match its digest, and stores none of the pull', async () => {
    const { layers } = publish(reg, 'bad/img', '1', img);
    const real = reg.blobs.get(layers[1]!)!;
    // Same length, one flipped byte past the gzip header: the stream still inflates for a while.
    const evil = Buffer.from(real);
    evil[real.length - 20] = evil[real.length - 20]! ^ 0xff;
    reg.corrupt.set(layers[1]!, evil);
    const before = await storeState(w);
    const r = await w.docker(['pull', `${reg.host}/bad/img:1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`filesystem layer verification failed for digest ${layers[1]}`));
    assert.deepEqual(await storeState(w), before);
    assert.equal((await w.docker(['image', 'inspect', `${reg.host}/bad/img:1`])).code, 1);
    reg.corrupt.delete(layers[1]!);
    const retry = await w.docker(['pull', `${reg.host}/bad/img:1`]);
    assert.equal(retry.code, 0, retry.stderr);
  });

  it('refuses a config that does not match its digest', async () => {
    const other = makeImage(img.layers, { comment: 'other config' });
    publish(reg, 'bad/config', '1', other);
    reg.corrupt.set(other.id, Buffer.from(other.config.toString().replace('other', 'OTHER')));
    const r = await w.docker(['pull', `${reg.host}/bad/config:1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`image config verification failed for digest ${other.id}`));
  });

  it('a connection cut mid-blob is retried after dockerd’s wait and resumed where it broke', async () => {
    const third = makeImage([await layerTar({ 'cut.bin': pseudoRandom(2_000_000, 'cut') })]);
    const { layers } = publish(reg, 'cut/img', '1', third);
    const blob = reg.blobs.get(layers[0]!)!;
    reg.truncate.set(layers[0]!, { at: 100_000, times: 1 });
    reg.log.length = 0;
    const r = await w.docker(['pull', `${reg.host}/cut/img:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Retrying in 5 seconds/);
    const gets = reg.log.filter((l) => l.method === 'GET' && l.path.endsWith(layers[0]!));
    assert.deepEqual(
      gets.map((g) => g.range),
      [undefined, 'bytes=100000-'],
    );
    assert.ok(blob.length > 100_000);
    const inspect = await w.docker(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/cut/img:1`]);
    assert.equal(inspect.stdout.trim(), third.id);
    assert.deepEqual((await storeState(w)).ingests, []);
  });

  it('a verification failure after a resumed download is retried from the first byte, as dockerd does', async () => {
    const fourth = makeImage([await layerTar({ 'resumed.bin': pseudoRandom(2_000_000, 'resumed') })]);
    const { layers } = publish(reg, 'resumed/img', '1', fourth);
    reg.truncate.set(layers[0]!, { at: 100_000, times: 1 });
    reg.corruptResumed.add(layers[0]!);
    reg.log.length = 0;
    const r = await w.docker(['pull', `${reg.host}/resumed/img:1`]);
    reg.corruptResumed.delete(layers[0]!);
    assert.equal(r.code, 0, r.stderr);
    // Cut → resumed with a range (whose bytes are wrong) → mismatch → again from the start.
    const gets = reg.log.filter((l) => l.method === 'GET' && l.path.endsWith(layers[0]!));
    assert.deepEqual(
      gets.map((g) => g.range),
      [undefined, 'bytes=100000-', undefined],
    );
    assert.match(r.stdout, /Retrying in 10 seconds/, 'the second wait of the one attempt budget');
    const inspect = await w.docker(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/resumed/img:1`]);
    assert.equal(inspect.stdout.trim(), fourth.id);
    assert.deepEqual((await storeState(w)).ingests, []);
  });

  it('a 4xx on a blob is final: a clear error at once, and nothing half-written remains', async () => {
    const gone = makeImage([await layerTar({ 'gone.bin': pseudoRandom(300_000, 'gone') })]);
    const { layers } = publish(reg, 'gone/img', '1', gone);
    reg.repoBlobs.get('gone/img')!.delete(layers[0]!);
    const before = await storeState(w);
    const r = await w.docker(['pull', `${reg.host}/gone/img:1`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'blob unknown: blob unknown to registry');
    assert.doesNotMatch(r.stdout, /Retrying/);
    assert.deepEqual(await storeState(w), before);
  });

  it('refuses malformed and oversized manifests with plain HTTP errors', async () => {
    reg.putManifest('bad/manifest', '1', Buffer.from('{"schemaVersion":2,"config":{"digest":"nope"}'), V2);
    const r = await w.docker(['pull', `${reg.host}/bad/manifest:1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error response from daemon: invalid manifest: /);
    reg.putManifest('bad/manifest', '2', Buffer.alloc(5 << 20, 0x20), V2);
    const big = await w.docker(['pull', `${reg.host}/bad/manifest:2`]);
    assert.equal(big.code, 1);
    assert.match(big.stderr, /manifest too big/);
  });

  it('narrows a manifest list to linux/amd64 and records the list’s digest', async () => {
    const one = makeImage([img.layers[0]!], { comment: 'multi' });
    const { manifest } = publish(reg, 'multi/img', 'amd64-only', one);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [
          { mediaType: V2, digest: sha256('not here'), size: 10, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
          { mediaType: V2, digest: sha256(manifest), size: manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
        ],
      }),
    );
    const indexDigest = reg.putManifest('multi/img', 'latest', index, 'application/vnd.docker.distribution.manifest.list.v2+json');
    const r = await w.docker(['pull', `${reg.host}/multi/img`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`Digest: ${indexDigest}`));
    const ids = await w.docker(['image', 'inspect', '-f', '{{.Id}} {{json .RepoDigests}}', `${reg.host}/multi/img`]);
    assert.equal(ids.stdout.trim(), `${one.id} ${JSON.stringify([`${reg.host}/multi/img@${indexDigest}`])}`);
    const none = await w.docker(['pull', '--platform', 'linux/s390x', `${reg.host}/multi/img`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
  });

  it('pulls an OCI manifest with a zstd-compressed layer', async () => {
    const z = makeImage([await layerTar({ 'z.txt': 'zstd layer\n' })], { comment: 'zstd' });
    publish(reg, 'oci/zstd', '1', z, 'oci-zstd');
    const r = await w.docker(['pull', `${reg.host}/oci/zstd:1`]);
    assert.equal(r.code, 0, r.stderr);
    const inspect = await w.docker(['image', 'inspect', '-f', '{{.Id}} {{json .RootFS.Layers}}', `${reg.host}/oci/zstd:1`]);
    assert.equal(inspect.stdout.trim(), `${z.id} ${JSON.stringify(z.diffIDs)}`);
  });

  it('Docker Hub unreachable: a quick, clear error, no hang', async () => {
    const started = Date.now();
    const r = await w.docker(['pull', 'busybox']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error response from daemon: Get "https:\/\/registry-1\.docker\.io\/v2\/": dial tcp: lookup registry-1\.docker\.io/);
    assert.ok(Date.now() - started < 30_000);
  });
});

describe('a registry killed in the middle of a pull (docker-registry)', () => {
  let w: TestDaemon;
  let reg: RegistryProcess;
  let name: string;

  before(async () => {
    // dockerd's --max-download-attempts: two attempts, so giving up takes one 5 s wait rather
    // than dockerd's default 5 + 10 + 15 + 20 s (that schedule is checked in retry.test.ts).
    [w, reg] = await Promise.all([startWharfd({ extraArgs: ['--max-download-attempts', '2'] }), startRegistry('docker-registry')]);
    name = `${reg.host}/big/img:1`;
    await loadImages(w, [{ image: await layeredImage([{ file: 'big.bin', size: 48 << 20 }]), tags: [name] }]);
    const p = await w.docker(['push', name]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal((await w.docker(['rmi', name])).code, 0);
  });
  after(async () => {
    await Promise.all([w?.destroy(), reg?.destroy()]);
  });

  /**
   * Pulls (or pushes) through the Engine API, killing the registry at the first message with
   * `killAt` as its status; `onRetry` runs at the first `Retrying in` line. Returns the statuses
   * seen and the stream's error.
   */
  async function interrupted(start: (c: EngineClient) => Promise<IncomingMessage>, killAt: string, onRetry?: () => Promise<void>): Promise<{ seen: string[]; error: string }> {
    const client = new EngineClient({ host: w.host });
    const seen: string[] = [];
    let error = '';
    let killed = false;
    let retried = false;
    try {
      for await (const m of readJSONMessages(await start(client))) {
        if (m.error) error = m.error;
        if (m.status) seen.push(m.status);
        if (!killed && m.status === killAt) {
          killed = true;
          await reg.kill();
        }
        if (killed && !retried && m.status?.startsWith('Retrying in ')) {
          retried = true;
          await onRetry?.();
        }
      }
    } finally {
      client.close();
    }
    assert.ok(killed, `the registry was never killed: ${seen.join(', ')}`);
    return { seen, error };
  }

  it('restarted while the pull waits to retry: the same pull resumes and completes', async () => {
    const { seen, error } = await interrupted((c) => c.imagePull.pull(`${reg.host}/big/img`, '1'), 'Downloading', () => reg.restart());
    assert.equal(error, '');
    assert.ok(seen.includes('Retrying in 5 seconds'), seen.join(', '));
    assert.ok(seen.includes(`Status: Downloaded newer image for ${name}`), seen.join(', '));
    const inspect = await w.docker(['image', 'inspect', '-f', '{{.Id}}', name]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.deepEqual((await storeState(w)).ingests, []);
    assert.equal((await w.docker(['rmi', name])).code, 0);
  });

  it('gone for good: after --max-download-attempts a clear error, nothing half-written; a pull after restart succeeds', async () => {
    const before = await storeState(w);
    const { seen, error } = await interrupted((c) => c.imagePull.pull(`${reg.host}/big/img`, '1'), 'Downloading');
    // Two attempts: dockerd's first wait (5 s) between them, and no second one.
    assert.ok(seen.includes('Retrying in 5 seconds'), seen.join(', '));
    assert.ok(!seen.some((x) => x.startsWith('Retrying in 10 seconds')), seen.join(', '));
    assert.match(error, new RegExp(`^Get "http://${reg.host}/v2/big/img/blobs/sha256:[a-f0-9]{64}": dial tcp ${reg.host}: connect: connection refused$`));
    assert.deepEqual(await storeState(w), before);
    await reg.restart();
    const retry = await w.docker(['pull', name]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.equal(lines(retry.stdout).at(-1), name);
  });

  it('a push whose registry restarts mid-upload retries the layer and completes; the tag appears only then', async () => {
    const target = `${reg.host}/big/fresh:1`;
    await loadImages(w, [{ image: await layeredImage([{ file: 'fresh.bin', size: 32 << 20 }], { fresh: 'yes' }), tags: [target] }]);
    let tagsWhileDown: string[] | undefined;
    const { seen, error } = await interrupted(
      (c) => c.distribution.push(`${reg.host}/big/fresh`, { tag: '1' }),
      'Pushing',
      async () => {
        await reg.restart();
        const tags = await fetch(`http://${reg.host}/v2/big/fresh/tags/list`);
        tagsWhileDown = tags.status === 200 ? (((await tags.json()) as { tags?: string[] }).tags ?? []) : [];
      },
    );
    assert.equal(error, '');
    assert.ok(seen.includes('Retrying in 5 seconds'), seen.join(', '));
    assert.ok(seen.some((x) => /^1: digest: sha256:[a-f0-9]{64} size: \d+$/.test(x)), seen.join(', '));
    assert.deepEqual(tagsWhileDown, [], 'an interrupted push publishes no tag');
    await w.docker(['rmi', target]);
    const back = await w.docker(['pull', target]);
    assert.equal(back.code, 0, back.stderr);
  });
});

describe('--max-concurrent-downloads: slots shared by every pull of the daemon', () => {
  let w: TestDaemon;
  const reg = new FakeRegistry();

  before(async () => {
    [w] = await Promise.all([startWharfd({ extraArgs: ['--max-concurrent-downloads', '1'] }), reg.start()]);
  });
  after(async () => {
    await Promise.all([w?.destroy(), reg.stop()]);
  });

  it('a second pull waits for the slot the first one holds, then both complete', async () => {
    const a = makeImage([await layerTar({ 'a.bin': pseudoRandom(300_000, 'slot-a') })]);
    const b = makeImage([await layerTar({ 'b.bin': pseudoRandom(300_000, 'slot-b') })]);
    const la = publish(reg, 'slots/a', '1', a).layers[0]!;
    const lb = publish(reg, 'slots/b', '1', b).layers[0]!;
    // A's layer answers 503 once: its download keeps the only slot through dockerd's 5 s wait.
    reg.unavailable.set(la, 1);
    const client = new EngineClient({ host: w.host });
    const seenB: Array<{ status?: string; id?: string }> = [];
    let pullB: Promise<void> | undefined;
    try {
      for await (const m of readJSONMessages(await client.imagePull.pull(`${reg.host}/slots/a`, '1'))) {
        assert.equal(m.error, undefined, m.error);
        if (pullB || !m.status?.startsWith('Retrying in ')) continue;
        pullB = (async () => {
          for await (const mb of readJSONMessages(await client.imagePull.pull(`${reg.host}/slots/b`, '1'))) {
            assert.equal(mb.error, undefined, mb.error);
            seenB.push({ status: mb.status, id: mb.id });
          }
        })();
      }
      assert.ok(pullB, 'pull A never waited to retry');
      await pullB;
    } finally {
      client.close();
    }
    const idB = lb.slice('sha256:'.length, 'sha256:'.length + 12);
    const statuses = seenB.filter((m) => m.id === idB).map((m) => m.status);
    assert.ok(statuses.includes('Waiting'), statuses.join(', '));
    assert.ok(statuses.includes('Pull complete'), statuses.join(', '));
    for (const [img, name] of [
      [a, 'slots/a:1'],
      [b, 'slots/b:1'],
    ] as const) {
      const inspect = await w.docker(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/${name}`]);
      assert.equal(inspect.stdout.trim(), img.id, inspect.stderr);
    }
  });
});
