import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { coalesced } from './coalesce.js';

const pieces = (n: number, len: number) => Array.from({ length: n }, (_, i) => Buffer.alloc(len, i % 256));

describe('coalesced', () => {
  it('re-chunks small pieces into pieces of at least the size, keeping every byte in order', async () => {
    const src = pieces(100, 1000);
    const sizes: number[] = [];
    const got: Buffer[] = [];
    for await (const c of coalesced(Readable.from(src), 4096)) {
      sizes.push((c as Buffer).length);
      got.push(c as Buffer);
    }
    assert.deepEqual(Buffer.concat(got), Buffer.concat(src));
    assert.ok(sizes.slice(0, -1).every((s) => s >= 4096), `pieces: ${sizes}`);
    assert.ok(sizes.length <= Math.ceil(100_000 / 4096), `pieces: ${sizes}`);
  });

  it('pauses the source while the consumer does not read', async () => {
    const src = new PassThrough();
    const out = coalesced(src, 1024);
    for (const p of pieces(64, 1024)) src.write(p);
    await new Promise((r) => setImmediate(r));
    assert.ok(src.isPaused(), 'the source is paused once the output is full');
    assert.ok(out.readableLength <= 2 * 1024, `buffered ${out.readableLength}`);
    src.end();
    assert.equal((await buffer(out)).length, 64 * 1024);
  });

  it("fails with the source's error, and on a premature end", async () => {
    const failing = new PassThrough();
    const out = coalesced(failing, 1024);
    failing.write(Buffer.alloc(10));
    failing.destroy(new Error('connection reset'));
    await assert.rejects(buffer(out), /connection reset/);
    const cut = new PassThrough();
    const out2 = coalesced(cut, 1024);
    cut.write(Buffer.alloc(10));
    cut.destroy();
    await assert.rejects(buffer(out2), /premature close/i);
  });

  it('destroys the source when the consumer gives up', async () => {
    const src = new PassThrough();
    const out = coalesced(src, 1024);
    src.write(Buffer.alloc(4096));
    out.destroy();
    await new Promise((r) => setImmediate(r));
    assert.ok(src.destroyed);
  });
});
