import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../../errdefs/index.js';
import { fsyncDir, writeNewFileSynced } from '../../lib/atomic-write.js';
import { type Digest, isDigest, sha256 } from '../../lib/digest.js';
import type { Layout } from './layout.js';

/**
 * How long a positive size lookup is trusted. Blobs are immutable, so a cached size can only be
 * wrong if the blob was deleted meanwhile — by `wharf registry gc` in another process, which only
 * deletes blobs no manifest references and that are older than its grace period. A GET then
 * fails at open (answered 404) and a HEAD may say "present" for at most this long.
 */
const SIZE_TTL_MS = 2000;
const CACHE_MAX = 50_000;
/** Blobs up to this size are kept in memory once read (configs, small layers, manifests). */
export const SMALL_BLOB_MAX = 64 * 1024;
/** Total bytes of the small-blob cache. */
const SMALL_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Blob bytes stored once per digest under `blobs/sha256/<hex>`, shared by every repository (the
 * per-repository links live in {@link RepositoryStore}). Writers hand in a complete, verified,
 * fsynced temp file on the same filesystem; commit renames it into place.
 *
 * Same approach as the engine's LocalContentStore (verify, fsync, rename, fsync the folder), but
 * not that class: its open() deletes every in-progress ingest, which would destroy resumable
 * upload sessions and race a `wharf registry gc` running in another process, and gc needs
 * commits to refresh an existing blob's mtime rather than skip it.
 */
export class BlobStore {
  private readonly sizes = new Map<Digest, { size: number; until: number }>();
  /** Small blobs' bytes, least recently used first (Map keeps insertion order). */
  private readonly small = new Map<Digest, Buffer>();
  private smallBytes = 0;

  constructor(private readonly layout: Layout) {}

  path(digest: Digest): string {
    return this.layout.blob(digest);
  }

  /** The blob's size, or undefined when it is not stored; `fresh` bypasses the cache. */
  async size(digest: Digest, opts: { fresh?: boolean } = {}): Promise<number | undefined> {
    const now = Date.now();
    const hit = opts.fresh ? undefined : this.sizes.get(digest);
    if (hit && hit.until > now) return hit.size;
    try {
      const st = await fs.stat(this.layout.blob(digest));
      this.remember(digest, st.size, now);
      return st.size;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        this.sizes.delete(digest);
        return undefined;
      }
      throw err;
    }
  }

  private remember(digest: Digest, size: number, now: number): void {
    // A crude bound: clearing everything now and then costs a few stats, never correctness.
    if (this.sizes.size >= CACHE_MAX) this.sizes.clear();
    this.sizes.set(digest, { size, until: now + SIZE_TTL_MS });
  }

  /** Forgets a cached size (after a delete in this process). */
  forget(digest: Digest): void {
    this.sizes.delete(digest);
  }

  /**
   * Makes the verified temp file `tmp` the blob `digest`. The rename happens even when the blob
   * already exists: replacing identical bytes is harmless, and the fresh file (new mtime) tells
   * a concurrent gc that the blob was just wanted again (gc never deletes a recent blob).
   * The caller must have fsynced `tmp`: otherwise a crash after the rename could leave the name
   * pointing at a torn file.
   */
  async commitFile(tmp: string, digest: Digest, size: number): Promise<void> {
    // rename is atomic within one filesystem: readers see no blob or the whole blob.
    await fs.rename(tmp, this.layout.blob(digest));
    // fsync the directory so the rename itself survives a crash.
    await fsyncDir(this.layout.blobDir);
    this.remember(digest, size, Date.now());
  }

  /** Stores in-memory bytes (a manifest) and returns their digest. */
  async writeBytes(data: Buffer): Promise<Digest> {
    const digest = sha256(data);
    const tmp = path.join(this.layout.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    // Data durable before the rename makes it visible (see commitFile).
    await writeNewFileSynced(tmp, data, 0o444);
    try {
      await this.commitFile(tmp, digest, data.length);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return digest;
  }

  /**
   * The bytes of a blob of at most SMALL_BLOB_MAX bytes, from memory when read before. The
   * bytes behind a digest never change, so the cache needs no invalidation; whether the blob
   * still exists is the caller's size lookup's business. Undefined when absent.
   */
  async smallBlob(digest: Digest): Promise<Buffer | undefined> {
    const hit = this.small.get(digest);
    if (hit) {
      this.small.delete(digest);
      this.small.set(digest, hit);
      return hit;
    }
    const bytes = await this.readBytes(digest);
    if (!bytes || bytes.length > SMALL_BLOB_MAX) return bytes;
    this.small.set(digest, bytes);
    this.smallBytes += bytes.length;
    for (const [d, b] of this.small) {
      if (this.smallBytes <= SMALL_CACHE_BYTES) break;
      this.small.delete(d);
      this.smallBytes -= b.length;
    }
    return bytes;
  }

  /** The whole blob in memory (manifests), or undefined when absent. */
  async readBytes(digest: Digest): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.layout.blob(digest));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Marks an existing blob as just wanted (a mount or an index child being linked), so a
   * concurrent gc spares it. False when the blob is not there.
   */
  async touch(digest: Digest): Promise<boolean> {
    const now = new Date();
    try {
      await fs.utimes(this.layout.blob(digest), now, now);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        this.sizes.delete(digest);
        return false;
      }
      throw err;
    }
  }

  /** Every stored digest. */
  async list(): Promise<Digest[]> {
    const names = await fs.readdir(this.layout.blobDir);
    const out: Digest[] = [];
    for (const n of names) {
      const d = `sha256:${n}`;
      if (isDigest(d)) out.push(d);
    }
    return out;
  }
}
