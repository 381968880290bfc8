import { finished, Readable } from 'node:stream';

/** Default size of the re-chunked pieces. */
const COALESCE_SIZE = 1 << 20;

/**
 * `source` re-chunked into pieces of at least `size` bytes (the last may be smaller). An upload
 * arrives from the HTTP parser in ~20 KiB pieces; every stage after this one (tar parsing, tee,
 * digests, file writes) pays per chunk, so a 200 MB archive would cross each stage ~10,000 times
 * instead of ~200.
 *
 * Hand-written rather than a Transform in a pipeline: this step sees every small piece, and a
 * plain 'data' listener costs about half of a Writable's per-write bookkeeping there.
 *
 * Backpressure: `source` is paused while the returned stream is full. A failure or premature end
 * of `source` (a client that hangs up mid-upload) destroys the returned stream with that error;
 * destroying the returned stream (a consumer that gives up) destroys `source`.
 */
export function coalesced(source: Readable, size = COALESCE_SIZE): Readable {
  let parts: Buffer[] = [];
  let bytes = 0;
  const out = new Readable({
    highWaterMark: size,
    read: () => {
      source.resume();
    },
    destroy: (err, cb) => {
      if (!source.readableEnded) source.destroy(err ?? undefined);
      cb(err);
    },
  });
  const emit = (): boolean => {
    const piece = parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
    parts = [];
    bytes = 0;
    return out.push(piece);
  };
  source.on('data', (chunk: Buffer | string) => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    parts.push(b);
    bytes += b.length;
    if (bytes >= size && !emit()) source.pause();
  });
  finished(source, (err) => {
    if (err) {
      out.destroy(err);
      return;
    }
    if (bytes > 0) emit();
    out.push(null);
  });
  return out;
}
