import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { sha256 } from '../../lib/digest.js';
import type { ContentStore } from './content-store.js';

/** What a conformance-suite factory hands back: a fresh, empty store and how to dispose of it. */
export interface ContentStoreFixture {
  store: ContentStore;
  cleanup(): Promise<void>;
}

/** Chunks of `data` as a byte stream, `size` bytes at a time. */
function chunked(data: Buffer, size = 7919): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

/**
 * The ContentStore conformance suite (containerd's core/content/testsuite): every implementation
 * runs it. `factory` returns a fresh empty store per describe block.
 */
export function runContentStoreSuite(name: string, factory: () => Promise<ContentStoreFixture>): void {
  describe(`ContentStore conformance: ${name}`, () => {
    let fx: ContentStoreFixture;
    let cs: ContentStore;
    before(async () => {
      fx = await factory();
      cs = fx.store;
    });
    after(async () => fx.cleanup());

    it('writeBytes then readBytes, info and read round-trip', async () => {
      const info = await cs.writeBytes('hello world');
      assert.equal(info.digest, sha256('hello world'));
      assert.equal(info.size, 11);
      assert.deepEqual(await cs.info(info.digest), info);
      assert.equal((await cs.readBytes(info.digest)).toString(), 'hello world');
      assert.equal(await text(cs.read(info.digest)), 'hello world');
    });

    it('read honours inclusive start/end ranges', async () => {
      const { digest } = await cs.writeBytes('0123456789');
      assert.equal(await text(cs.read(digest, { start: 2, end: 5 })), '2345');
      assert.equal(await text(cs.read(digest, { start: 7 })), '789');
      assert.equal(await text(cs.read(digest, { end: 0 })), '0');
    });

    it('absent blobs: info undefined, readBytes and read NotFound', async () => {
      const missing = sha256('never stored');
      assert.equal(await cs.info(missing), undefined);
      await assert.rejects(cs.readBytes(missing), (e) => isKind(e, 'NotFound'));
      await assert.rejects(text(cs.read(missing)), (e) => isKind(e, 'NotFound'));
    });

    it('rejects malformed digests with InvalidArgument', async () => {
      await assert.rejects(cs.info('sha256:../../etc/passwd' as never), (e) => isKind(e, 'InvalidArgument'));
      await assert.rejects(cs.writeBytes('x', { digest: 'sha256:zz' as never }), (e) => isKind(e, 'InvalidArgument'));
    });

    it('ingests a multi-megabyte stream and verifies the expected digest and size', async () => {
      const data = randomBytes(5 * 1024 * 1024 + 123);
      const info = await cs.ingest(chunked(data, 65536), { digest: sha256(data), size: data.length });
      assert.deepEqual(info, { digest: sha256(data), size: data.length });
      assert.ok((await cs.readBytes(info.digest)).equals(data));
    });

    it('a digest mismatch is InvalidArgument naming both digests and stores nothing', async () => {
      const data = Buffer.from('mismatching content');
      const wrong = sha256('something else');
      await assert.rejects(cs.ingest(chunked(data, 3), { digest: wrong }), (e) => {
        assert.ok(isKind(e, 'InvalidArgument'));
        assert.match(String((e as Error).message), new RegExp(wrong));
        assert.match(String((e as Error).message), new RegExp(sha256(data)));
        return true;
      });
      assert.equal(await cs.info(sha256(data)), undefined);
      assert.equal(await cs.info(wrong), undefined);
      assert.ok(!(await cs.list()).includes(sha256(data)));
    });

    it('a size mismatch (short or long) is InvalidArgument and stores nothing', async () => {
      const data = Buffer.from('sized content');
      await assert.rejects(cs.ingest(chunked(data, 4), { size: data.length + 1 }), (e) => isKind(e, 'InvalidArgument'));
      await assert.rejects(cs.ingest(chunked(data, 4), { size: data.length - 1 }), (e) => isKind(e, 'InvalidArgument'));
      await assert.rejects(cs.writeBytes(data, { size: 1 }), (e) => isKind(e, 'InvalidArgument'));
      assert.equal(await cs.info(sha256(data)), undefined);
    });

    it('a failing source stores nothing and rejects', async () => {
      const before = (await cs.list()).length;
      const src = new Readable({
        read() {
          this.push(Buffer.from('partial'));
          this.destroy(new Error('network dropped'));
        },
      });
      await assert.rejects(cs.ingest(src));
      assert.equal((await cs.list()).length, before);
    });

    it('dedups: ingesting existing content succeeds and keeps one blob', async () => {
      const data = randomBytes(100_000);
      const a = await cs.ingest(chunked(data));
      const b = await cs.ingest(chunked(data), { digest: a.digest });
      const c = await cs.writeBytes(data);
      assert.deepEqual(a, b);
      assert.deepEqual(a, c);
      assert.equal((await cs.list()).filter((d) => d === a.digest).length, 1);
    });

    it('concurrent ingests of the same content all succeed', async () => {
      const data = randomBytes(300_000);
      const results = await Promise.all([1, 2, 3, 4].map(() => cs.ingest(chunked(data, 10_000))));
      for (const r of results) assert.deepEqual(r, { digest: sha256(data), size: data.length });
      assert.ok((await cs.readBytes(sha256(data))).equals(data));
    });

    it('empty blobs are valid', async () => {
      const info = await cs.ingest(Readable.from([], { objectMode: false }));
      assert.deepEqual(info, { digest: sha256(''), size: 0 });
      assert.equal((await cs.readBytes(info.digest)).length, 0);
    });

    it('list shows stored blobs; delete removes them; deleting an absent blob is fine', async () => {
      const { digest } = await cs.writeBytes('to be deleted');
      assert.ok((await cs.list()).includes(digest));
      await cs.delete(digest);
      assert.ok(!(await cs.list()).includes(digest));
      assert.equal(await cs.info(digest), undefined);
      await cs.delete(digest);
    });
  });
}
