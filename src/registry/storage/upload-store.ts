import { createHash, type Hash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode } from '../../errdefs/index.js';
import { atomicWrite } from '../../lib/atomic-write.js';
import type { Digest } from '../../lib/digest.js';
import { registryError } from '../registry-error.js';
import type { BlobStore } from './blob-store.js';
import { listDir, readTextIfExists } from './fs-util.js';
import type { Layout } from './layout.js';

/** Where an upload session stands: its bytes so far are `[0, offset)`. */
export interface UploadStatus {
  uuid: string;
  repo: string;
  offset: number;
}

/** An inclusive byte range from a Content-Range header. */
export interface ChunkRange {
  start: number;
  end: number;
}

/** A chunk of an upload: the request body, its Content-Range if any, and a byte counter. */
export interface Chunk {
  body: Readable;
  range?: ChunkRange;
  /** Called with the size of each piece written (for the request log). */
  onBytes?: (n: number) => void;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Blob upload sessions, kept on disk so they survive a registry restart (resumable by upload ID):
 * `uploads/<uuid>/state.json` names the repository, `uploads/<uuid>/data` holds the bytes so far,
 * and its size *is* the session's offset — there is no second record to fall out of step.
 *
 * Lifecycle: create → append (PATCH, in order: a chunk must start at the offset, else 416) →
 * complete (PUT with the whole blob's digest): the data is hashed, compared with the digest
 * (a mismatch deletes the session and stores nothing), fsynced and renamed into the blob store.
 * Appends to one session are serialized; a broken append keeps the bytes that arrived, and the
 * client resumes from the offset GET reports.
 */
export class UploadStore {
  /** Running hashes of sessions this process has seen from offset 0, while still in step. */
  private readonly hashes = new Map<string, { hash: Hash; bytes: number }>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly layout: Layout,
    private readonly blobs: BlobStore,
  ) {}

  async create(repo: string): Promise<UploadStatus> {
    const uuid = randomUUID();
    const dir = this.layout.upload(uuid);
    await fs.mkdir(dir);
    await fs.writeFile(`${dir}/data`, '', { flag: 'wx' });
    // The state file is written last and atomically: a session without it is not a session.
    await atomicWrite(`${dir}/state.json`, `${JSON.stringify({ repo, startedAt: new Date().toISOString() })}\n`);
    this.hashes.set(uuid, { hash: createHash('sha256'), bytes: 0 });
    return { uuid, repo, offset: 0 };
  }

  /** The session's status; BLOB_UPLOAD_UNKNOWN when absent or owned by another repository. */
  async status(repo: string, uuid: string): Promise<UploadStatus> {
    const unknown = () => registryError('BLOB_UPLOAD_UNKNOWN', undefined, { detail: { uuid } });
    if (!UUID_RE.test(uuid)) throw unknown();
    const text = await readTextIfExists(`${this.layout.upload(uuid)}/state.json`);
    if (text === undefined || (JSON.parse(text) as { repo: string }).repo !== repo) throw unknown();
    try {
      return { uuid, repo, offset: (await fs.stat(`${this.layout.upload(uuid)}/data`)).size };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw unknown();
      throw err;
    }
  }

  /** Appends a chunk (PATCH). A range that does not start at the offset is refused with 416. */
  append(repo: string, uuid: string, chunk: Chunk): Promise<UploadStatus> {
    return this.locked(uuid, () => this.appendLocked(repo, uuid, chunk));
  }

  /**
   * Closes the session (PUT): appends the optional final chunk, verifies the whole blob against
   * `digest` and commits it to the blob store. Returns the blob's size.
   */
  complete(repo: string, uuid: string, digest: Digest, final?: Chunk): Promise<number> {
    return this.locked(uuid, async () => {
      const st = final ? await this.appendLocked(repo, uuid, final) : await this.status(repo, uuid);
      const data = `${this.layout.upload(uuid)}/data`;
      const got = await this.digestOf(uuid, data, st.offset);
      if (got !== digest) {
        // The bytes are not what the client said: nothing of them may be stored.
        await this.remove(uuid);
        throw registryError('DIGEST_INVALID', `digest mismatch: content is ${got}, expected ${digest}`, { detail: { digest, actual: got } });
      }
      const fh = await fs.open(data, 'r+');
      try {
        // Data durable before the rename makes the blob visible.
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.blobs.commitFile(data, digest, st.offset);
      await this.remove(uuid);
      return st.offset;
    });
  }

  /** Cancels a session (DELETE). */
  cancel(repo: string, uuid: string): Promise<void> {
    return this.locked(uuid, async () => {
      await this.status(repo, uuid);
      await this.remove(uuid);
    });
  }

  /** Every session with the time it last changed (for gc's purge of abandoned uploads). */
  async sessions(): Promise<{ uuid: string; mtimeMs: number }[]> {
    const out: { uuid: string; mtimeMs: number }[] = [];
    for (const uuid of await listDir(this.layout.uploadDir)) {
      if (!UUID_RE.test(uuid)) continue;
      try {
        const st = await fs.stat(`${this.layout.upload(uuid)}/data`).catch(() => fs.stat(this.layout.upload(uuid)));
        out.push({ uuid, mtimeMs: st.mtimeMs });
      } catch {
        // Finished meanwhile.
      }
    }
    return out;
  }

  /** Deletes a session's folder. */
  async remove(uuid: string): Promise<void> {
    this.hashes.delete(uuid);
    await fs.rm(this.layout.upload(uuid), { recursive: true, force: true });
  }

  private async appendLocked(repo: string, uuid: string, chunk: Chunk): Promise<UploadStatus> {
    const { body, range, onBytes } = chunk;
    const st = await this.status(repo, uuid);
    if (range && range.start !== st.offset) {
      body.resume();
      throw registryError('BLOB_UPLOAD_INVALID', `chunk starts at ${range.start}, but the upload is at offset ${st.offset}`, {
        status: 416,
        detail: { offset: st.offset },
        headers: uploadHeaders(st),
      });
    }
    const running = this.hashes.get(uuid);
    const inStep = running !== undefined && running.bytes === st.offset;
    if (!inStep) this.hashes.delete(uuid);
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        if (inStep) running.hash.update(chunk);
        written += chunk.length;
        onBytes?.(chunk.length);
        cb(null, chunk);
      },
    });
    const data = `${this.layout.upload(uuid)}/data`;
    try {
      await pipeline(body, counter, createWriteStream(data, { flags: 'r+', start: st.offset, highWaterMark: 1 << 20 }));
    } catch (err) {
      // Some bytes may have been hashed but not written: the running hash is no longer trusted.
      this.hashes.delete(uuid);
      throw err;
    }
    if (inStep) running.bytes += written;
    const next = { ...st, offset: st.offset + written };
    if (range && range.end - range.start + 1 !== written) {
      throw registryError('SIZE_INVALID', `Content-Range ${range.start}-${range.end} does not match the ${written} bytes sent`, {
        headers: uploadHeaders(next),
      });
    }
    return next;
  }

  /** The digest of the session's data: the running hash when in step, else a re-read. */
  private async digestOf(uuid: string, data: string, size: number): Promise<Digest> {
    const running = this.hashes.get(uuid);
    if (running && running.bytes === size) return `sha256:${running.hash.copy().digest('hex')}`;
    // A session resumed after a restart (hash state cannot be persisted) or after a broken chunk.
    const hash = createHash('sha256');
    await pipeline(createReadStream(data, { highWaterMark: 1 << 20 }), async (src: AsyncIterable<Buffer>) => {
      for await (const b of src) hash.update(b);
    });
    return `sha256:${hash.digest('hex')}`;
  }

  /** Runs `fn` after every earlier operation on the same session has settled. */
  private locked<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(uuid) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(uuid, tail);
    void tail.then(() => {
      if (this.locks.get(uuid) === tail) this.locks.delete(uuid);
    });
    return run;
  }
}

/** The headers every upload-session response carries. */
export function uploadHeaders(st: UploadStatus): Record<string, string> {
  return {
    Location: `/v2/${st.repo}/blobs/uploads/${st.uuid}`,
    Range: `0-${Math.max(0, st.offset - 1)}`,
    'Docker-Upload-UUID': st.uuid,
  };
}
