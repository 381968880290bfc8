import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ParallelGzip } from './parallel-gzip.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function compress(data: Buffer, chunk: number, level = 3): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let o = 0; o < data.length; o += chunk) parts.push(data.subarray(o, o + chunk));
  return buffer(Readable.from(parts).pipe(new ParallelGzip({ level, blockSize: 256 * 1024 })));
}

describe('ParallelGzip', () => {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(40_000));
  const random = randomBytes(3 * 1024 * 1024 + 123);
  const mixed = Buffer.concat([text, random, text.subarray(0, 1000)]);

  it('round-trips through gunzip (multi-member) for any input chunking', async () => {
    for (const data of [Buffer.alloc(0), Buffer.from('x'), text, random, mixed]) {
      for (const chunk of [1000, 64 * 1024, 5 * 1024 * 1024]) {
        const gz = await compress(data, chunk);
        assert.equal(sha(zlib.gunzipSync(gz)), sha(data));
        assert.equal(gz[0], 0x1f);
        assert.equal(gz[1], 0x8b);
      }
    }
  });

  it('is deterministic: the same input gives the same bytes whatever the chunking', async () => {
    const a = await compress(mixed, 7777);
    const b = await compress(mixed, 1 << 20);
    assert.equal(sha(a), sha(b));
  });

  it('compresses text and stores random data without growing it much', async () => {
    const t = await compress(text, 1 << 16);
    assert.ok(t.length < text.length / 50, `text compressed to ${t.length}`);
    const r = await compress(random, 1 << 16);
    assert.ok(r.length < random.length * 1.001, `random grew to ${r.length}`);
  });

  it('stores random files with a few tar headers in between, but deflates mostly-zero data', async () => {
    // A tar of random files: 512 zero-ish header bytes every 32 KiB saves ~1.5 % at best.
    const tarLike = randomBytes(2 << 20);
    for (let o = 0; o < tarLike.length; o += 32 * 1024) tarLike.fill(0, o, o + 512);
    const t = await compress(tarLike, 1 << 16, 6);
    assert.ok(t.length > tarLike.length * 0.99, `deflated for ${((1 - t.length / tarLike.length) * 100).toFixed(2)} %`);
    assert.equal(sha(zlib.gunzipSync(t)), sha(tarLike));
    // Half zeros: worth deflating, though most samples still look random to the entropy test.
    const sparse = randomBytes(2 << 20);
    for (let o = 0; o < sparse.length; o += 4096) sparse.fill(0, o, o + 2048);
    const z = await compress(sparse, 1 << 16, 6);
    assert.ok(z.length < sparse.length * 0.6, `half-zero data compressed only to ${z.length}`);
  });
});

describe('stored gzip members', () => {
  it('are valid gzip for empty, small and multi-block inputs', async () => {
    const { storedMember, byteEntropy } = await import('./parallel-gzip.js');
    for (const n of [0, 1, 65535, 65536, 200_000]) {
      const data = randomBytes(n);
      assert.equal(sha(zlib.gunzipSync(storedMember(data))), sha(data));
    }
    assert.ok(byteEntropy(randomBytes(8192)) > 7.9);
    assert.ok(byteEntropy(Buffer.from('hello world, this is text '.repeat(400))) < 5);
  });
});
