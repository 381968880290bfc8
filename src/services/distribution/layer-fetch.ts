/**
 * Downloads one layer blob and makes it local in a single pass: the compressed bytes are hashed
 * against the manifest's digest as they arrive, decompressed (gzip, zstd, or none, by the
 * stream's magic), then teed into the content store (as the uncompressed tar, which must hash to
 * the config's diffID; the store's hash is the only one of the uncompressed bytes) and into a
 * staged snapshot (applied there, to be moved under its chainID in stack order later).
 *
 * Nothing half-written survives a failure: the content store commits a blob only after the
 * whole stream matched its digest, and the verifier fails the stream *before* its end reaches
 * the store when the compressed digest or size is wrong; a staged snapshot is removed by the
 * stager on error. A transfer that breaks transiently (the registry restarting, a reset
 * connection) is resumed from the byte where it stopped after dockerd's retry wait, unseen by
 * the verifier, the store and the applier.
 */
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, ContentStore } from '../../core/content/content-store.js';
import { internal, WharfError } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { decompressed } from '../../lib/tar/decompress.js';
import type { RepositoryClient } from '../../plugins/registry-client/repository-client.js';
import { resumableBlob } from '../../plugins/registry-client/resumable-blob.js';
import type { Descriptor } from '../../spec/oci/image.js';
import type { BlobLease } from '../images/blob-leases.js';
import type { LayerStore, StagedLayer } from '../images/layer-store.js';
import { tee } from '../images/tee.js';
import { backoff, type RetryContext } from './retry.js';

/**
 * Passes bytes through while hashing them; fails the stream (before it ends) when the content
 * does not match `digest` and `size`, so no consumer ever sees a complete, wrong blob.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private seen = 0;

  constructor(
    private readonly expected: Descriptor,
    private readonly onBytes: (n: number) => void = () => {},
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected.size) {
      cb(this.mismatch());
      return;
    }
    this.hash.update(chunk);
    this.onBytes(chunk.length);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const got = `sha256:${this.hash.digest('hex')}`;
    cb(got === this.expected.digest && this.seen === this.expected.size ? null : this.mismatch());
  }

  private mismatch(): WharfError {
    return new LayerMismatch(this.expected.digest);
  }
}

/** A blob that is not what its digest says (dockerd's words). */
class LayerMismatch extends WharfError {
  constructor(digest: string) {
    super('InvalidArgument', `filesystem layer verification failed for digest ${digest}`);
  }
}

export interface FetchLayerInput {
  repo: RepositoryClient;
  content: ContentStore;
  layers: LayerStore;
  /** Blobs this pull stored (removed again if the pull fails). */
  lease: BlobLease;
  /** The compressed blob, as the manifest lists it. */
  blob: Descriptor;
  diffID: Digest;
  /** Also apply it into a staged snapshot (false when the chainID snapshot already exists). */
  stage: boolean;
  /** Compressed bytes received so far, for progress. */
  onBytes: (n: number) => void;
  signal?: AbortSignal;
  /** How transient failures are retried (the download resumes where it stopped); none when absent. */
  retry?: RetryContext;
}

/**
 * Forwards the verified bytes to the consumers with backpressure — and, once they gave up (a
 * layer that does not decompress or apply), keeps reading and hashing the rest of the blob, so
 * that a blob which is simply not what its digest says is reported as that, as dockerd (which
 * verifies before extracting) would.
 */
function forwardTo(down: PassThrough): Writable {
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      if (down.destroyed || down.writableEnded) return cb();
      if (down.write(chunk)) return cb();
      const go = () => {
        down.off('drain', go);
        down.off('close', go);
        cb();
      };
      down.on('drain', go);
      down.on('close', go);
    },
    final(cb) {
      // Reached only after the verifier's flush accepted digest and size: the consumers see the
      // end of a verified blob, never of a wrong one.
      if (!down.destroyed) down.end();
      cb();
    },
  });
}

/** Stores (and stages) the decompressed layer from `verified`; returns the staged snapshot if any. */
async function consume(input: FetchLayerInput, verified: Readable): Promise<StagedLayer | undefined> {
  const { stream } = await decompressed(verified);
  if (!input.stage) {
    input.lease.add(await input.content.ingest(stream, { digest: input.diffID }));
    return undefined;
  }
  const [toStore, toLayer] = tee(stream);
  // Both branches see the same bytes and the store commits them only if they hash to the
  // diffID, so the applier does not hash them a second time (one sha256 pass over the
  // uncompressed layer, not two).
  const [stored, staged] = await Promise.allSettled([input.content.ingest(toStore!, { digest: input.diffID }), input.layers.stageUnhashed(toLayer!)]);
  if (stored.status === 'fulfilled') input.lease.add(stored.value as BlobInfo);
  if (stored.status === 'fulfilled' && staged.status === 'fulfilled') return { ...staged.value, diffID: input.diffID };
  if (staged.status === 'fulfilled') await input.layers.discard(staged.value.key);
  // The applier's error explains a bad layer best; the store only saw its branch cut.
  throw staged.status === 'rejected' ? staged.reason : (stored as PromiseRejectedResult).reason;
}

/**
 * Downloads, verifies and stores one layer; returns the staged snapshot when `stage` was asked.
 * @throws the verification error when the blob does not match its digest, else the transport's
 * (registry gone mid-body), else the store's or the applier's.
 */
export async function fetchLayer(input: FetchLayerInput): Promise<StagedLayer | undefined> {
  // Attempts are counted across resumes and restarts, against the one budget dockerd has.
  let attempts = 0;
  for (;;) {
    let resumed = false;
    try {
      return await fetchOnce(input, async (err) => {
        resumed = true;
        await backoff(input.retry!, err, ++attempts);
      });
    } catch (err) {
      // dockerd (pull_v2.go): a verification failure after a resumed download may come from the
      // resume itself (a registry serving another blob's bytes past the offset), so the layer is
      // tried again from its first byte; without a resume it is final.
      if (!(err instanceof LayerMismatch) || !resumed || !input.retry || input.signal?.aborted) throw err;
      await backoff(input.retry, err, ++attempts);
    }
  }
}

/** One download of the layer from its first byte, resumed after transient failures. */
async function fetchOnce(input: FetchLayerInput, beforeRetry: (err: WharfError) => Promise<void>): Promise<StagedLayer | undefined> {
  const body = resumableBlob(input.repo, input.blob.digest, {
    signal: input.signal,
    beforeRetry: input.retry ? (err) => beforeRetry(err) : undefined,
  });
  const down = new PassThrough({ highWaterMark: 1 << 20 });
  const transfer = pipeline(body, new VerifyingStream(input.blob, input.onBytes), forwardTo(down)).catch((err) => {
    // The reader words transport failures as Go does; anything else escaping it is a bug.
    const e = err instanceof WharfError ? err : internal(`downloading ${input.blob.digest}: ${(err as Error)?.message ?? err}`, { cause: err });
    down.destroy(e);
    throw e;
  });
  transfer.catch(() => {});
  try {
    const staged = await consume(input, down);
    await transfer;
    return staged;
  } catch (err) {
    // The blob's own verdict (wrong digest, cut off) explains a failure before the consumer's.
    await transfer;
    throw err;
  }
}
