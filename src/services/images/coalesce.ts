import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Re-chunks a byte stream into pieces of at least `size` bytes. An upload arrives from the
 * socket in 4–32 KiB pieces; every stage after it (tar parsing, tee, digests, file writes) pays
 * per chunk, so a 200 MB archive would cross each stage ~10,000 times instead of ~200.
 */
export class Coalesce extends Transform {
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly size = 1 << 20) {
    super({ highWaterMark: size });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= this.size) this.emitParts();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.bytes > 0) this.emitParts();
    cb();
  }

  private emitParts(): void {
    this.push(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.bytes));
    this.parts = [];
    this.bytes = 0;
  }
}

/**
 * `source` re-chunked (see {@link Coalesce}). A failure or premature end of `source` (a client
 * that hangs up mid-upload) destroys the returned stream with that error.
 */
export function coalesced(source: Readable, size?: number): Readable {
  const out = new Coalesce(size);
  pipeline(source, out).catch(() => {});
  return out;
}
