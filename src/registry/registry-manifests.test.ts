import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sha256 } from '../lib/digest.js';
import { MediaType } from '../spec/oci/media-types.js';
import { type Client, client, errorCodes, imageManifest, pushBlob, pushImage, putManifest, startTestRegistry, type TestRegistry } from './testkit.js';

describe('registry manifests', () => {
  let reg: TestRegistry;
  let c: Client;
  before(async () => {
    reg = await startTestRegistry();
    c = client(reg.url);
  });
  after(() => reg.destroy());

  test('PUT by tag, then GET/HEAD by tag and by digest with the stored bytes and type', async () => {
    const config = '{"architecture":"amd64","os":"linux"}';
    await pushBlob(c, 'app/web', config);
    await pushBlob(c, 'app/web', 'layer-1');
    const m = imageManifest(config, ['layer-1']);
    const put = await putManifest(c, 'app/web', 'v1', m);
    assert.equal(put.status, 201);
    assert.equal(put.res.headers.get('docker-content-digest'), sha256(m));
    assert.equal(put.res.headers.get('location'), `/v2/app/web/manifests/${sha256(m)}`);
    for (const ref of ['v1', sha256(m)]) {
      const get = await c(`/v2/app/web/manifests/${ref}`, { headers: { accept: MediaType.ociManifest } });
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('content-type'), MediaType.ociManifest);
      assert.equal(get.headers.get('docker-content-digest'), sha256(m));
      assert.deepEqual(Buffer.from(await get.arrayBuffer()), m);
      const head = await c(`/v2/app/web/manifests/${ref}`, { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), String(m.length));
    }
    const unknown = await c('/v2/app/web/manifests/nope');
    assert.equal(unknown.status, 404);
    assert.deepEqual(await errorCodes(unknown), ['MANIFEST_UNKNOWN']);
    const noRepo = await c('/v2/app/none/manifests/v1');
    assert.deepEqual(await errorCodes(noRepo), ['NAME_UNKNOWN']);
  });

  test('a manifest referencing missing blobs is refused with MANIFEST_BLOB_UNKNOWN for each', async () => {
    const config = '{"missing":"test"}';
    await pushBlob(c, 'app/missing', config);
    const m = imageManifest(config, ['not uploaded 1', 'not uploaded 2']);
    const put = await putManifest(c, 'app/missing', 'v1', m);
    assert.equal(put.status, 400);
    assert.deepEqual(
      put.json?.errors?.map((e) => e.code),
      ['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN'],
    );
    assert.deepEqual(put.json?.errors?.[0]?.detail, { digest: sha256('not uploaded 1') });
    assert.equal((await c(`/v2/app/missing/manifests/${sha256(m)}`)).status, 404);
  });

  test('invalid, mistyped, oversized and misdigested manifests are refused', async () => {
    const bad = await putManifest(c, 'app/bad', 'v1', Buffer.from('{not json'));
    assert.deepEqual([bad.status, bad.json?.errors?.[0]?.code], [400, 'MANIFEST_INVALID']);
    const config = '{"c":1}';
    await pushBlob(c, 'app/bad', config);
    const m = imageManifest(config, []);
    const mistyped = await putManifest(c, 'app/bad', 'v1', m, MediaType.dockerManifest);
    assert.deepEqual([mistyped.status, mistyped.json?.errors?.[0]?.code], [400, 'MANIFEST_INVALID']);
    const huge = imageManifest(config, [], { annotations: { pad: 'x'.repeat(4 * 1024 * 1024) } });
    const big = await putManifest(c, 'app/bad', 'v1', huge);
    assert.deepEqual([big.status, big.json?.errors?.[0]?.code], [413, 'MANIFEST_INVALID']);
    const wrong = await putManifest(c, 'app/bad', sha256('something else'), m);
    assert.deepEqual([wrong.status, wrong.json?.errors?.[0]?.code], [400, 'DIGEST_INVALID']);
    const schema1 = await putManifest(c, 'app/bad', 'v1', Buffer.from('{"schemaVersion":1}'), 'application/vnd.docker.distribution.manifest.v1+json');
    assert.equal(schema1.status, 400);
  });

  test('Docker schema2 manifest and manifest list; negotiation by Accept', async () => {
    const config = '{"architecture":"amd64","os":"linux","rootfs":{}}';
    await pushBlob(c, 'app/multi', config);
    await pushBlob(c, 'app/multi', 'docker layer');
    const d = (b: string, mt: string) => ({ mediaType: mt, digest: sha256(b), size: Buffer.byteLength(b) });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: d(config, MediaType.dockerConfig),
        layers: [d('docker layer', MediaType.dockerLayerGzip)],
      }),
    );
    assert.equal((await putManifest(c, 'app/multi', sha256(manifest), manifest, MediaType.dockerManifest)).status, 201);
    const list = (children: { digest: string; size: number }[]) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.dockerManifestList,
          manifests: children.map((ch) => ({ mediaType: MediaType.dockerManifest, ...ch, platform: { architecture: 'amd64', os: 'linux' } })),
        }),
      );
    const missing = await putManifest(c, 'app/multi', 'all', list([{ digest: sha256('nope'), size: 4 }]), MediaType.dockerManifestList);
    assert.deepEqual([missing.status, missing.json?.errors?.[0]?.code], [400, 'MANIFEST_BLOB_UNKNOWN']);
    const good = list([{ digest: sha256(manifest), size: manifest.length }]);
    assert.equal((await putManifest(c, 'app/multi', 'all', good, MediaType.dockerManifestList)).status, 201);
    const asList = await c('/v2/app/multi/manifests/all', { headers: { accept: `${MediaType.dockerManifestList}, ${MediaType.dockerManifest}` } });
    assert.equal(asList.headers.get('content-type'), MediaType.dockerManifestList);
    await asList.arrayBuffer();
    const asManifest = await c('/v2/app/multi/manifests/all', { headers: { accept: MediaType.dockerManifest } });
    assert.equal(asManifest.headers.get('docker-content-digest'), sha256(manifest), 'an old client gets the linux/amd64 manifest');
    await asManifest.arrayBuffer();
    const refused = await c(`/v2/app/multi/manifests/${sha256(manifest)}`, { headers: { accept: MediaType.ociManifest } });
    assert.equal(refused.status, 404);
    await refused.arrayBuffer();
  });

  test('push by digest with ?tag= answers OCI-Tag; DELETE by tag and by digest', async () => {
    const digest = await pushImage(c, 'app/del', 'keep', '{"d":1}', ['dl']);
    const m = await c(`/v2/app/del/manifests/${digest}`);
    const body = Buffer.from(await m.arrayBuffer());
    const put = await c(`/v2/app/del/manifests/${digest}?tag=a&tag=b`, { method: 'PUT', body, headers: { 'content-type': MediaType.ociManifest } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('oci-tag'), 'a, b');
    assert.equal((await c('/v2/app/del/manifests/a', { method: 'DELETE' })).status, 202);
    assert.equal((await c('/v2/app/del/manifests/a', { method: 'HEAD' })).status, 404);
    assert.equal((await c(`/v2/app/del/manifests/${digest}`, { method: 'DELETE' })).status, 202);
    assert.equal((await c(`/v2/app/del/manifests/${digest}`, { method: 'HEAD' })).status, 404);
    assert.equal((await c('/v2/app/del/manifests/keep', { method: 'HEAD' })).status, 404, 'tags of a deleted manifest go too');
    assert.deepEqual(((await (await c('/v2/app/del/tags/list')).json()) as { tags: string[] }).tags, []);
  });

  test('tags list and catalog paginate with n, last and Link', async () => {
    for (const t of ['v3', 'v1', 'latest', 'v2', 'a']) await pushImage(c, 'page/tags', t, '{"p":1}', ['pl']);
    const all = (await (await c('/v2/page/tags/tags/list')).json()) as { name: string; tags: string[] };
    assert.deepEqual(all, { name: 'page/tags', tags: ['a', 'latest', 'v1', 'v2', 'v3'] });
    const p1 = await c('/v2/page/tags/tags/list?n=2');
    assert.deepEqual(((await p1.json()) as { tags: string[] }).tags, ['a', 'latest']);
    const link = p1.headers.get('link')!;
    assert.equal(link, '</v2/page/tags/tags/list?n=2&last=latest>; rel="next"');
    const p2 = await c(link.slice(1, link.indexOf('>')));
    assert.deepEqual(((await p2.json()) as { tags: string[] }).tags, ['v1', 'v2']);
    const p3 = await c('/v2/page/tags/tags/list?n=2&last=v2');
    assert.deepEqual(((await p3.json()) as { tags: string[] }).tags, ['v3']);
    assert.equal(p3.headers.get('link'), null);
    const zero = await c('/v2/page/tags/tags/list?n=0');
    assert.deepEqual(((await zero.json()) as { tags: string[] }).tags, []);
    assert.equal(zero.headers.get('link'), null);
    const unknown = await c('/v2/page/none/tags/list');
    assert.deepEqual([unknown.status, ...(await errorCodes(unknown))], [404, 'NAME_UNKNOWN']);
    for (const r of ['page/c1', 'page/c2', 'page/c3']) await pushImage(c, r, 'x', '{"c":2}', ['cl']);
    const cat = await c('/v2/_catalog?n=2&last=page/c1');
    assert.deepEqual(((await cat.json()) as { repositories: string[] }).repositories, ['page/c2', 'page/c3']);
    assert.match(cat.headers.get('link')!, /^<\/v2\/_catalog\?n=2&last=page%2Fc3>; rel="next"$/);
    const full = (await (await c('/v2/_catalog')).json()) as { repositories: string[] };
    assert.ok(full.repositories.includes('page/tags') && full.repositories.includes('app/web'));
  });

  test('referrers: OCI-Subject on push, listing with artifactType filter, removal on delete', async () => {
    const subject = await pushImage(c, 'ref/app', 'v1', '{"s":1}', ['sl']);
    const subjectDesc = { mediaType: MediaType.ociManifest, digest: subject, size: 1 };
    const empty = '{}';
    await pushBlob(c, 'ref/app', empty);
    const artifact = (type: string, note: string) =>
      imageManifest(empty, [], { artifactType: type, subject: subjectDesc, annotations: { note } }).toString();
    const sig = Buffer.from(artifact('application/vnd.example.sig', 'sig'));
    const sbom = Buffer.from(artifact('application/vnd.example.sbom', 'sbom'));
    const put = await putManifest(c, 'ref/app', sha256(sig), sig);
    assert.equal(put.status, 201);
    assert.equal(put.res.headers.get('oci-subject'), subject);
    await putManifest(c, 'ref/app', sha256(sbom), sbom);
    const list = await c(`/v2/ref/app/referrers/${subject}`);
    assert.equal(list.headers.get('content-type'), MediaType.ociIndex);
    const index = (await list.json()) as { manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[] };
    assert.deepEqual(index.manifests.map((m) => m.digest).sort(), [sha256(sig), sha256(sbom)].sort());
    assert.equal(index.manifests.find((m) => m.digest === sha256(sig))?.annotations.note, 'sig');
    const filtered = await c(`/v2/ref/app/referrers/${subject}?artifactType=application/vnd.example.sbom`);
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(((await filtered.json()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest), [sha256(sbom)]);
    await c(`/v2/ref/app/manifests/${sha256(sig)}`, { method: 'DELETE' });
    const after = (await (await c(`/v2/ref/app/referrers/${subject}`)).json()) as { manifests: unknown[] };
    assert.equal(after.manifests.length, 1);
    const none = (await (await c(`/v2/ref/app/referrers/${sha256('no subject')}`)).json()) as { manifests: unknown[] };
    assert.deepEqual(none.manifests, []);
    assert.equal((await c('/v2/ref/app/referrers/sha256:zz')).status, 400);
  });

  test('a referrer may be pushed before its subject exists', async () => {
    const empty = '{}';
    await pushBlob(c, 'ref/early', empty);
    const ghost = { mediaType: MediaType.ociManifest, digest: sha256('not yet pushed'), size: 14 };
    const m = imageManifest(empty, [], { artifactType: 'application/x-early', subject: ghost });
    const put = await putManifest(c, 'ref/early', sha256(m), m);
    assert.equal(put.status, 201);
    const index = (await (await c(`/v2/ref/early/referrers/${ghost.digest}`)).json()) as { manifests: { artifactType: string }[] };
    assert.deepEqual(
      index.manifests.map((x) => x.artifactType),
      ['application/x-early'],
    );
  });
});
