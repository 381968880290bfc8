/**
 * A blob download that survives a registry going away: the bytes of `GET /v2/<name>/blobs/<d>`
 * as one Readable which, when the transfer fails transiently (connection refused or reset, the
 * body cut off, a 5xx), asks its owner whether and when to try again and then continues **from
 * the byte where it stopped** (`Range: bytes=<offset>-`, as dockerd's HTTP read-seeker resumes).
 * Whatever reads the stream — digest verification, decompression, the content store, the layer
 * applier — never sees the break: it gets each byte exactly once, in order.
 *
 * A registry that ignores the range and sends the whole blob again (200 rather than 206) is
 * handled by skipping the bytes already delivered.
 */
import { Readable } from 'node:stream';
import { WharfError } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { goMethod, isRetryable, transportError } from './registry-errors.js';
import type { RepositoryClient } from './repository-client.js';

export interface ResumableBlobOptions {
  signal?: AbortSignal;
  /**
   * Called after failed attempt number `attempt` (1-based) with a retryable error: resolves when
   * the next attempt may start, or throws (the error to end the stream with) to give up. Absent:
   * no retries.
   */
  beforeRetry?: (err: WharfError, attempt: number) => Promise<void>;
}

const CUT_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_CLOSED']);

/** A failure while reading a body, worded as Go's client words it (`unexpected EOF`). */
export function bodyError(url: URL, err: unknown): WharfError {
  if (err instanceof WharfError) return err;
  const code = (err as { code?: string })?.code;
  if (code && CUT_CODES.has(code)) return new WharfError('Unavailable', `${goMethod('GET')} "${url.href}": unexpected EOF`, { cause: err });
  return transportError('GET', url, err);
}

async function* blobChunks(repo: RepositoryClient, digest: Digest, opts: ResumableBlobOptions): AsyncGenerator<Buffer> {
  let offset = 0;
  for (let attempt = 1; ; attempt++) {
    let url: URL | undefined;
    try {
      const res = await repo.fetchBlob(digest, opts.signal, offset);
      url = res.url;
      // A 200 answer to a range request repeats the start: drop what was delivered already.
      let skip = res.partial ? 0 : offset;
      for await (const raw of res.body as AsyncIterable<Buffer>) {
        let chunk = raw;
        if (skip > 0) {
          const drop = Math.min(skip, chunk.length);
          skip -= drop;
          chunk = chunk.subarray(drop);
          if (chunk.length === 0) continue;
        }
        offset += chunk.length;
        yield chunk;
      }
      if (skip > 0) throw Object.assign(new Error('body shorter than the bytes already received'), { code: 'UND_ERR_SOCKET' });
      return;
    } catch (err) {
      const e = url ? bodyError(url, err) : err;
      if (opts.signal?.aborted || !opts.beforeRetry || !(e instanceof WharfError) || !isRetryable(e)) throw e;
      await opts.beforeRetry(e, attempt);
    }
  }
}

/** The blob's bytes, resumed after transient failures as `opts.beforeRetry` allows (see the module comment). */
export function resumableBlob(repo: RepositoryClient, digest: Digest, opts: ResumableBlobOptions = {}): Readable {
  return Readable.from(blobChunks(repo, digest, opts), { objectMode: false, highWaterMark: 1 << 20 });
}
