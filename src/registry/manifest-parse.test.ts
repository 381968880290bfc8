import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '../lib/digest.js';
import { MediaType } from '../spec/oci/media-types.js';
import { parseManifest, referrerDescriptor } from './manifest-parse.js';
import { RegistryError } from './registry-error.js';

const d = (s: string, mediaType: string = MediaType.ociLayer) => ({ mediaType, digest: sha256(s), size: s.length });
const buf = (v: unknown) => Buffer.from(JSON.stringify(v));
const invalid = (e: unknown) => e instanceof RegistryError && e.code === 'MANIFEST_INVALID';

test('an OCI manifest without mediaType takes the Content-Type; references are config and layers', () => {
  const m = buf({ schemaVersion: 2, config: d('c', MediaType.ociConfig), layers: [d('l1'), d('l2')] });
  const p = parseManifest(m, `${MediaType.ociManifest}; charset=utf-8`);
  assert.equal(p.mediaType, MediaType.ociManifest);
  assert.deepEqual(
    p.blobs.map((b) => b.digest),
    [sha256('c'), sha256('l1'), sha256('l2')],
  );
  assert.equal(parseManifest(m, 'application/json').mediaType, MediaType.ociManifest, 'generic types say nothing');
});

test('an index lists child manifests; foreign layers need no blob', () => {
  const idx = parseManifest(buf({ schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: [d('m', MediaType.dockerManifest)] }), undefined);
  assert.equal(idx.kind, 'index');
  assert.deepEqual(
    idx.manifests.map((m) => m.digest),
    [sha256('m')],
  );
  const foreign = { ...d('win', MediaType.dockerForeignLayerGzip), urls: ['https://example.com/layer'] };
  const m = parseManifest(buf({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: d('c', MediaType.dockerConfig), layers: [foreign] }), undefined);
  assert.deepEqual(
    m.blobs.map((b) => b.digest),
    [sha256('c')],
  );
});

test('refusals: bad JSON, schema 1, type mismatch, unknown type, bad descriptors', () => {
  assert.throws(() => parseManifest(Buffer.from('['), undefined), invalid);
  assert.throws(() => parseManifest(buf({ schemaVersion: 1 }), undefined), invalid);
  const oci = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: d('c'), layers: [] };
  assert.throws(() => parseManifest(buf(oci), MediaType.dockerManifest), invalid);
  assert.throws(() => parseManifest(buf({ ...oci, mediaType: 'application/x-unknown' }), undefined), invalid);
  assert.throws(() => parseManifest(buf({ ...oci, layers: [{ mediaType: 'x', digest: 'sha256:1', size: 1 }] }), undefined), invalid);
  assert.throws(() => parseManifest(buf({ ...oci, config: { ...d('c'), size: -1 } }), undefined), invalid);
  assert.throws(() => parseManifest(buf({ schemaVersion: 2, mediaType: MediaType.ociIndex }), undefined), invalid);
});

test('referrer descriptors: artifactType, else the config type for manifests, none for indexes', () => {
  const subject = d('s', MediaType.ociManifest);
  const m = parseManifest(buf({ schemaVersion: 2, config: d('c', 'application/x-cfg'), layers: [], subject, annotations: { a: 'b' } }), MediaType.ociManifest);
  assert.deepEqual(referrerDescriptor(m, sha256('x'), 10), {
    mediaType: MediaType.ociManifest,
    digest: sha256('x'),
    size: 10,
    artifactType: 'application/x-cfg',
    annotations: { a: 'b' },
  });
  const i = parseManifest(buf({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [], subject }), undefined);
  assert.equal(referrerDescriptor(i, sha256('y'), 5).artifactType, undefined);
});
