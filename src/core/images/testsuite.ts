import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { type Digest, sha256 } from '../../lib/digest.js';
import { familiarString, parseNormalizedNamed, referenceString, tagNameOnly } from '../../spec/reference.js';
import type { ImageRecord, ImageStore } from './image-store.js';

/** A fresh store on a fresh root, a way to reopen it on the same root, and cleanup. */
export interface ImageStoreFixture {
  store: ImageStore;
  reopen(): Promise<ImageStore>;
  cleanup(): Promise<void>;
}

/** A minimal valid record for tests. */
export function testRecord(seed: string, extra: Partial<ImageRecord> = {}): ImageRecord {
  const diffID = sha256(`layer ${seed}`);
  return {
    id: sha256(`config ${seed}`),
    configSize: 100,
    configMediaType: 'application/vnd.oci.image.config.v1+json',
    created: '2024-01-02T03:04:05.123456789Z',
    labels: null,
    layers: [{ diffID, chainID: diffID, size: 10, blob: { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffID, size: 2048 } }],
    size: 10,
    lastTagTime: '',
    ...extra,
  };
}

const ref = (s: string) => tagNameOnly(parseNormalizedNamed(s));

/**
 * The ImageStore conformance suite: every implementation runs it. `factory` returns a fresh,
 * empty store per describe block.
 */
export function runImageStoreSuite(name: string, factory: () => Promise<ImageStoreFixture>): void {
  describe(`ImageStore conformance: ${name}`, () => {
    let fx: ImageStoreFixture;
    let s: ImageStore;
    before(async () => {
      fx = await factory();
      s = fx.store;
    });
    after(async () => fx.cleanup());

    it('puts, gets and lists records', async () => {
      const a = testRecord('a');
      await s.put(a);
      assert.deepEqual(s.get(a.id), a);
      assert.equal(s.count(), 1);
      assert.deepEqual(
        s.list().map((r) => r.id),
        [a.id],
      );
      assert.equal(s.get(sha256('nope')), undefined);
    });

    it('tags, moves tags between images and reports the previous owner', async () => {
      const a = testRecord('a');
      const b = testRecord('b');
      await s.put(b);
      assert.equal(await s.addRef(ref('busybox'), a.id), undefined);
      assert.equal(s.lookupRef(ref('docker.io/library/busybox:latest')), a.id);
      assert.notEqual(s.get(a.id)!.lastTagTime, '');
      assert.equal(await s.addRef(ref('busybox:latest'), b.id), a.id);
      assert.equal(s.lookupRef(ref('busybox')), b.id);
      assert.deepEqual(s.refsOf(a.id), []);
      await assert.rejects(s.addRef(ref('x'), sha256('missing') as Digest), (e) => isKind(e, 'NotFound'));
    });

    it('lists references of an image sorted, digests included', async () => {
      const a = testRecord('a');
      const dgst = sha256('manifest');
      await s.addRef(ref('zeta:1'), a.id);
      await s.addRef(ref('alpha:1'), a.id);
      await s.addRef({ ...parseNormalizedNamed('alpha'), digest: dgst }, a.id);
      assert.deepEqual(
        s.refsOf(a.id).map((r) => familiarString(r)),
        ['alpha:1', `alpha@${dgst}`, 'zeta:1'],
      );
      assert.equal(s.allRefs().length, 4);
    });

    it('removes references', async () => {
      const a = testRecord('a');
      assert.equal(await s.removeRef(ref('zeta:1')), a.id);
      assert.equal(await s.removeRef(ref('zeta:1')), undefined);
      assert.equal(s.lookupRef(ref('zeta:1')), undefined);
    });

    it('searches IDs by full ID, sha256: prefix and short prefix, reporting ambiguity', async () => {
      const a = testRecord('a');
      const hex = a.id.slice(7);
      assert.equal((s.searchId(a.id) as ImageRecord).id, a.id);
      assert.equal((s.searchId(hex) as ImageRecord).id, a.id);
      assert.equal((s.searchId(hex.slice(0, 12)) as ImageRecord).id, a.id);
      assert.equal((s.searchId(`sha256:${hex.slice(0, 5)}`) as ImageRecord).id, a.id);
      assert.equal(s.searchId('zzz'), undefined);
      assert.equal(s.searchId('0'.repeat(64)), undefined);
      // 17 records: by pigeonhole two share their first hex digit, an ambiguous prefix.
      for (let i = 0; i < 17; i++) await s.put(testRecord(`amb${i}`));
      const counts = new Map<string, number>();
      for (const r of s.list()) counts.set(r.id[7]!, (counts.get(r.id[7]!) ?? 0) + 1);
      const dup = [...counts].find(([, n]) => n > 1)![0];
      assert.equal(s.searchId(dup), 'ambiguous');
    });

    it('finds children by parent', async () => {
      const a = testRecord('a');
      const child = testRecord('child', { parent: a.id });
      await s.put(child);
      assert.deepEqual(
        s.children(a.id).map((r) => r.id),
        [child.id],
      );
    });

    it('deletes a record with its references', async () => {
      const b = testRecord('b');
      await s.addRef(ref('bee:1'), b.id);
      await s.delete(b.id);
      assert.equal(s.get(b.id), undefined);
      assert.equal(s.lookupRef(ref('bee:1')), undefined);
      assert.equal(s.lookupRef(ref('busybox')), undefined);
      assert.deepEqual(s.refsOf(b.id), []);
    });

    it('persists everything across a reopen', async () => {
      const before = { ids: s.list().map((r) => r.id).sort(), refs: s.allRefs().map((r) => `${referenceString(r.ref)}=${r.id}`).sort() };
      const again = await fx.reopen();
      assert.deepEqual(again.list().map((r) => r.id).sort(), before.ids);
      assert.deepEqual(again.allRefs().map((r) => `${referenceString(r.ref)}=${r.id}`).sort(), before.refs);
      const a = testRecord('a');
      assert.deepEqual(again.get(a.id)!.layers, a.layers);
    });

    it('serialises concurrent tag operations without losing any', async () => {
      const a = testRecord('a');
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.addRef(ref(`many:${i}`), a.id)));
      const again = await fx.reopen();
      for (let i = 0; i < 20; i++) assert.equal(again.lookupRef(ref(`many:${i}`)), a.id);
    });
  });
}
