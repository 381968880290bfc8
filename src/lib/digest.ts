import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { invalidArgument } from '../errdefs/index.js';

/** A content digest as OCI writes it: `sha256:<64 hex>`. */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** Parses and validates a digest string; throws InvalidArgument naming the bad value. */
export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw invalidArgument(`invalid digest "${s}": expected sha256:<64 hex digits>`);
  return s;
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The hex part of a digest. */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

/** Docker's 12-character short ID of a digest or ID. */
export function shortId(id: string): string {
  const hex = id.startsWith('sha256:') ? id.slice(7) : id;
  return hex.slice(0, 12);
}

/**
 * A pass-through stream that hashes what flows through it and counts bytes. After 'finish' the
 * digest and size are final; reading them earlier gives the state so far.
 */
export class DigestingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  size = 0;
  private result?: Digest;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    cb();
  }

  /** The digest of everything that passed; only valid after the stream has finished. */
  digest(): Digest {
    if (!this.result) throw new Error('DigestingStream.digest() called before the stream ended');
    return this.result;
  }
}
