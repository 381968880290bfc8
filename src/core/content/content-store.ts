import type { Readable } from 'node:stream';
import type { Digest } from '../../lib/digest.js';

/** What a blob is known by: its digest and size (OCI descriptor without media type). */
export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** What an ingest must match. A mismatch refuses the blob (InvalidArgument) and stores nothing. */
export interface IngestExpectation {
  digest?: Digest;
  size?: number;
}

/**
 * The sha256 content store: immutable blobs addressed by digest (layers, configs, manifests).
 *
 * Ingest lifecycle: bytes stream into a private temp file while being hashed; when the stream
 * ends the digest (and size) is checked against the expectation, the file is fsynced and renamed
 * to its content address, and the directory is fsynced. Until that rename the blob is invisible;
 * a crash at any instant leaves at most a stray temp file, removed at the next open. Committing
 * a blob that already exists is a no-op that still succeeds (dedup).
 */
export interface ContentStore {
  /** Size of a stored blob, or undefined when absent. */
  info(digest: Digest): Promise<BlobInfo | undefined>;
  /** Streams a blob; `start`/`end` are inclusive byte offsets as in fs.createReadStream. NotFound if absent. */
  read(digest: Digest, range?: { start?: number; end?: number }): Readable;
  /** The whole blob in memory (configs, manifests). NotFound if absent. */
  readBytes(digest: Digest): Promise<Buffer>;
  /** Streams `source` into the store. Returns the digest and size that were committed. */
  ingest(source: Readable, expected?: IngestExpectation): Promise<BlobInfo>;
  /** ingest() of an in-memory buffer. */
  writeBytes(data: Uint8Array | string, expected?: IngestExpectation): Promise<BlobInfo>;
  /** Removes a blob; absent is not an error. */
  delete(digest: Digest): Promise<void>;
  /** Every stored digest. */
  list(): Promise<Digest[]>;
}
