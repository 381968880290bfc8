import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { type Digest, sha256 } from '../../lib/digest.js';
import { MediaType } from '../../spec/oci/media-types.js';
import { openRegistryStorage } from '../storage/registry-storage.js';
import { type Client, client, imageManifest, pushBlob, pushImage, putManifest, startTestRegistry, type TestRegistry } from '../testkit.js';
import { collectGarbage } from './collect-garbage.js';

const HOUR = 3_600_000;
/** A clock two hours ahead: with the default 1 h grace, everything already written is "old". */
const later = () => Date.now() + 2 * HOUR;

describe('registry gc', () => {
  let reg: TestRegistry;
  let c: Client;
  const blobFile = (d: Digest) => path.join(reg.root, 'blobs/sha256', d.slice(7));
  const present = (d: Digest) =>
    fs.access(blobFile(d)).then(
      () => true,
      () => false,
    );

  beforeEach(async () => {
    reg = await startTestRegistry();
    c = client(reg.url);
  });
  afterEach(() => reg.destroy());

  test('deletes only blobs no manifest references, and their links', async () => {
    const a = await pushImage(c, 'gc/app', 'a', '{"img":"a"}', ['shared layer', 'only in a']);
    await pushImage(c, 'gc/app', 'b', '{"img":"b"}', ['shared layer', 'only in b']);
    await pushImage(c, 'gc/other', 'x', '{"img":"x"}', ['only in x']);
    const { digest: orphan } = await pushBlob(c, 'gc/app', 'uploaded, never referenced');
    assert.equal((await c(`/v2/gc/app/manifests/${a}`, { method: 'DELETE' })).status, 202);
    const report = await collectGarbage({ root: reg.root, now: later });
    const gone = [orphan, a, sha256('only in a'), sha256('{"img":"a"}')].sort();
    assert.deepEqual([...report.blobsDeleted].sort(), gone);
    for (const d of gone) assert.equal(await present(d), false, `${d} deleted`);
    for (const kept of ['shared layer', 'only in b', '{"img":"b"}', 'only in x']) assert.equal(await present(sha256(kept)), true, `${kept} kept`);
    assert.equal(report.linksRemoved, 3, 'links to the deleted blobs in gc/app');
    const stale = await putManifest(c, 'gc/app', 'again', imageManifest('{"img":"b"}', ['uploaded, never referenced']));
    assert.equal(stale.json?.errors?.[0]?.code, 'MANIFEST_BLOB_UNKNOWN', 'a manifest may not reference a collected blob');
    // (checked on disk even though the registry's GET/HEAD cache still remembers the blob)
    // The registry trusts a positive blob lookup for 2 s (the GET/HEAD fast path).
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal((await c(`/v2/gc/app/blobs/${orphan}`, { method: 'HEAD' })).status, 404);
    const pull = await c('/v2/gc/app/manifests/b');
    assert.equal(pull.status, 200);
    await pull.arrayBuffer();
  });

  test('the grace period keeps recent unreferenced blobs (layers pushed ahead of their manifest)', async () => {
    const { digest } = await pushBlob(c, 'gc/early', 'layer whose manifest comes later');
    const report = await collectGarbage({ root: reg.root });
    assert.deepEqual(report.blobsDeleted, []);
    assert.equal(await present(digest), true);
    const dry = await collectGarbage({ root: reg.root, now: later, dryRun: true });
    assert.deepEqual(dry.blobsDeleted, [digest]);
    assert.equal(await present(digest), true, 'dry run deletes nothing');
  });

  test('a manifest push waits while gc holds the lock', async () => {
    const config = '{"wait":1}';
    await pushBlob(c, 'gc/wait', config);
    const s = await openRegistryStorage(reg.root);
    const release = await s.guard.lock();
    let done = false;
    const put = putManifest(c, 'gc/wait', 'v1', imageManifest(config, [])).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(done, false, 'the push is held while gc runs');
    await release();
    assert.equal((await put).status, 201);
  });

  test('gc keeps what an in-flight manifest push has pinned', async () => {
    const config = '{"pinned":1}';
    const { digest } = await pushBlob(c, 'gc/pin', config);
    const s = await openRegistryStorage(reg.root);
    let letGo!: () => void;
    const held = new Promise<void>((r) => {
      letGo = r;
    });
    let pinnedNow!: () => void;
    const isPinned = new Promise<void>((r) => {
      pinnedNow = r;
    });
    // A push that validated its references and is about to commit when gc starts.
    const push = s.guard.withPins([digest], async () => {
      pinnedNow();
      await held;
    });
    await isPinned;
    const report = await collectGarbage({ root: reg.root, now: later });
    assert.deepEqual(report.blobsDeleted, []);
    assert.equal(await present(digest), true);
    letGo();
    await push;
    const again = await collectGarbage({ root: reg.root, now: later });
    assert.deepEqual(again.blobsDeleted, [digest], 'once unpinned and unreferenced it goes');
  });

  test('only one gc at a time', async () => {
    const s = await openRegistryStorage(reg.root);
    const release = await s.guard.lock();
    await assert.rejects(collectGarbage({ root: reg.root }), (err) => isKind(err, 'Conflict'));
    await release();
  });

  test('--delete-untagged keeps what tags reach through indexes and referrers', async () => {
    const child = await pushImage(c, 'gc/ut', 'tmp', '{"child":1}', ['child layer']);
    await c('/v2/gc/ut/manifests/tmp', { method: 'DELETE' });
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociManifest, digest: child, size: 1 }] }),
    );
    assert.equal((await putManifest(c, 'gc/ut', 'list', index, MediaType.ociIndex)).status, 201);
    const lonely = await pushImage(c, 'gc/ut', 'gone', '{"lonely":1}', ['lonely layer']);
    await c('/v2/gc/ut/manifests/gone', { method: 'DELETE' });
    await pushBlob(c, 'gc/ut', '{}');
    const sig = imageManifest('{}', [], { artifactType: 'application/x-sig', subject: { mediaType: MediaType.ociIndex, digest: sha256(index), size: index.length } });
    await putManifest(c, 'gc/ut', sha256(sig), sig);
    const report = await collectGarbage({ root: reg.root, now: later, deleteUntagged: true });
    assert.deepEqual(report.manifestsDeleted, [{ repository: 'gc/ut', digest: lonely }]);
    assert.deepEqual([...report.blobsDeleted].sort(), [lonely, sha256('lonely layer'), sha256('{"lonely":1}')].sort());
    for (const d of [child, sha256('child layer'), sha256(sig)]) assert.equal(await present(d), true);
    assert.equal((await c(`/v2/gc/ut/manifests/${lonely}`, { method: 'HEAD' })).status, 404);
  });

  test('recovers a blob left in trash by a gc that died, and purges abandoned uploads', async () => {
    const digest = await pushImage(c, 'gc/trash', 'v1', '{"trash":1}', ['trash layer']);
    const layer = sha256('trash layer');
    await fs.rename(blobFile(layer), path.join(reg.root, 'trash', `${layer.slice(7)}-dead`));
    const loc = (await c('/v2/gc/trash/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
    const report = await collectGarbage({ root: reg.root, now: () => Date.now() + 48 * HOUR });
    assert.equal(await present(layer), true, 'a referenced blob comes back from trash');
    assert.deepEqual(await fs.readdir(path.join(reg.root, 'trash')), []);
    assert.equal(report.uploadsPurged, 1);
    assert.equal((await c(loc)).status, 404);
    assert.equal((await c(`/v2/gc/trash/manifests/${digest}`, { method: 'HEAD' })).status, 200);
  });
});
