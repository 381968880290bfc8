import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { BlobInfo, ContentStore, IngestExpectation } from '../../core/content/content-store.js';
import { errnoCode, invalidArgument, isWharfError, notFound, toWharfError } from '../../errdefs/index.js';
import { fsyncDir } from '../../lib/atomic-write.js';
import { type Digest, digestHex, isDigest, parseDigest } from '../../lib/digest.js';

/** Buffered bytes before one write(2): large writes keep ingest throughput near disk speed. */
const WRITE_BATCH = 1 << 20;
/** Chunk size of blob reads. */
const READ_CHUNK = 1 << 20;

/**
 * The content store on a local filesystem, laid out like containerd's:
 * `<root>/blobs/sha256/<hex>` holds committed blobs (read-only files), `<root>/ingest/` holds
 * in-progress ingests. Both live under one root so the commit rename never crosses filesystems.
 *
 * One process owns a root at a time: `open` removes every leftover ingest file, which is only
 * safe because no other writer can be mid-ingest.
 */
export class LocalContentStore implements ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;

  private constructor(readonly root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.ingestDir = path.join(root, 'ingest');
  }

  /** Opens (creating if needed) the store at `root` and removes temp files left by a crash. */
  static async open(root: string): Promise<LocalContentStore> {
    const store = new LocalContentStore(path.resolve(root));
    await fs.mkdir(store.blobDir, { recursive: true });
    await fs.mkdir(store.ingestDir, { recursive: true });
    // Anything in ingest/ at open time is the remains of an ingest interrupted by a crash: it was
    // never renamed into blobs/, so it is invisible and can go.
    for (const name of await fs.readdir(store.ingestDir)) {
      await fs.rm(path.join(store.ingestDir, name), { recursive: true, force: true });
    }
    return store;
  }

  private blobPath(digest: Digest): string {
    return path.join(this.blobDir, digestHex(parseDigest(digest)));
  }

  async info(digest: Digest): Promise<BlobInfo | undefined> {
    try {
      const st = await fs.stat(this.blobPath(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw toWharfError(err);
    }
  }

  read(digest: Digest, range: { start?: number; end?: number } = {}): Readable {
    const file = this.blobPath(digest);
    return Readable.from(readRange(file, digest, range), { objectMode: false });
  }

  async readBytes(digest: Digest): Promise<Buffer> {
    try {
      return await fs.readFile(this.blobPath(digest));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw blobNotFound(digest);
      throw toWharfError(err);
    }
  }

  async ingest(source: Readable, expected: IngestExpectation = {}): Promise<BlobInfo> {
    validateExpectation(expected);
    const tmp = path.join(this.ingestDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    try {
      const got = await writeHashed(source, tmp, expected);
      checkExpectation(got, expected);
      return await this.commit(tmp, got);
    } catch (err) {
      // The temp holds unverified or partial bytes: it must never become visible.
      await fs.rm(tmp, { force: true });
      if (isWharfError(err)) throw err;
      throw toWharfError(err);
    }
  }

  async writeBytes(data: Uint8Array | string, expected: IngestExpectation = {}): Promise<BlobInfo> {
    validateExpectation(expected);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const got: BlobInfo = { digest: `sha256:${createHash('sha256').update(buf).digest('hex')}`, size: buf.byteLength };
    checkExpectation(got, expected);
    if (await this.info(got.digest)) return got;
    const tmp = path.join(this.ingestDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    try {
      const fh = await fs.open(tmp, 'wx', 0o444);
      try {
        await fh.writeFile(buf);
        // fsync before the rename: otherwise a crash could leave the new name pointing at an
        // empty or partial file (rename metadata can reach disk before the data).
        await fh.sync();
      } finally {
        await fh.close();
      }
      return await this.commit(tmp, got);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw toWharfError(err);
    }
  }

  /** Moves a verified, fsynced temp file to its content address (or drops it if already there). */
  private async commit(tmp: string, got: BlobInfo): Promise<BlobInfo> {
    const dest = this.blobPath(got.digest);
    if (await this.info(got.digest)) {
      // Dedup: the same bytes are already committed; never rewrite an existing blob.
      await fs.rm(tmp, { force: true });
      return got;
    }
    // rename is atomic within one filesystem: readers see no blob or the whole blob.
    await fs.rename(tmp, dest);
    // fsync the directory so the rename itself survives a crash.
    await fsyncDir(this.blobDir);
    return got;
  }

  async delete(digest: Digest): Promise<void> {
    // No directory fsync: a delete lost in a crash only leaves an unreferenced blob for GC.
    await fs.rm(this.blobPath(digest), { force: true });
  }

  async list(): Promise<Digest[]> {
    const names = await fs.readdir(this.blobDir);
    return names.map((h) => `sha256:${h}` as const).filter((d): d is Digest => isDigest(d));
  }
}

function blobNotFound(digest: Digest) {
  return notFound(`content digest ${digest}: not found`);
}

function validateExpectation(expected: IngestExpectation): void {
  if (expected.digest !== undefined) parseDigest(expected.digest);
  if (expected.size !== undefined && (!Number.isSafeInteger(expected.size) || expected.size < 0)) {
    throw invalidArgument(`invalid expected size ${expected.size}`);
  }
}

function checkExpectation(got: BlobInfo, expected: IngestExpectation): void {
  if (expected.digest !== undefined && expected.digest !== got.digest) {
    throw invalidArgument(`unexpected commit digest ${got.digest}, expected ${expected.digest}`);
  }
  if (expected.size !== undefined && expected.size !== got.size) {
    throw invalidArgument(`unexpected commit size ${got.size}, expected ${expected.size}`);
  }
}

/**
 * Streams `source` into a new file `tmp`, hashing as it goes, and fsyncs it. Writes are batched
 * into ~1 MiB writev calls. Stops early once more than the expected size has arrived.
 */
async function writeHashed(source: Readable, tmp: string, expected: IngestExpectation): Promise<BlobInfo> {
  const hash = createHash('sha256');
  const fh = await fs.open(tmp, 'wx', 0o444);
  let size = 0;
  try {
    let batch: Buffer[] = [];
    let batched = 0;
    for await (const chunk of source) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      hash.update(buf);
      size += buf.byteLength;
      if (expected.size !== undefined && size > expected.size) {
        source.destroy();
        throw invalidArgument(`unexpected commit size: more than ${expected.size} bytes received`);
      }
      batch.push(buf);
      batched += buf.byteLength;
      if (batched >= WRITE_BATCH) {
        await fh.writev(batch);
        batch = [];
        batched = 0;
      }
    }
    if (batch.length > 0) await fh.writev(batch);
    // Data must be durable before the commit rename makes the blob visible.
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Yields a blob's bytes in [start, end] (inclusive), throwing NotFound if absent. */
async function* readRange(file: string, digest: Digest, range: { start?: number; end?: number }): AsyncGenerator<Buffer> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw blobNotFound(digest);
    throw toWharfError(err);
  }
  try {
    const size = (await fh.stat()).size;
    let pos = range.start ?? 0;
    const end = Math.min(range.end ?? size - 1, size - 1);
    if (pos < 0 || (range.end !== undefined && range.end < pos - 1)) {
      throw invalidArgument(`invalid range ${range.start}-${range.end} for ${digest}`);
    }
    while (pos <= end) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - pos + 1));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
