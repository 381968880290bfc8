import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { BlobInfo, ContentStore } from '../../core/content/content-store.js';
import { invalidArgument, isWharfError, toWharfError } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { decompressed } from '../../lib/tar/decompress.js';
import { drain } from '../../lib/tar/tar-reader.js';
import type { LayerStore, StagedLayer } from './layer-store.js';
import type { BlobLease } from './blob-leases.js';
import { coalesced } from './coalesce.js';
import { ingestAndStage } from './stage-layer.js';

/** Entries up to this size are kept in memory (manifests, configs, small layers). */
const BUFFER_LIMIT = 1 << 20;
/** Cap on everything kept in memory from one archive. */
const BUFFER_TOTAL_LIMIT = 512 << 20;
/** Layers applied at the same time at most. */
const MAX_IN_FLIGHT = 3;
/** Bytes between two progress lines (Docker's progress reader uses 512 KiB too). */
const PROGRESS_EVERY = 512 * 1024;

/** A large entry, streamed into the content store (and applied as a layer if it is one). */
export interface StreamedEntry {
  /** The uncompressed bytes as a blob (digest = diffID when it is a layer). */
  blob: BlobInfo;
  /** The staged layer, until it is committed (then undefined). */
  staged?: StagedLayer;
}

/** What an image archive held, by cleaned path. */
export interface ArchiveContents {
  files: Map<string, Buffer>;
  streamed: Map<string, StreamedEntry>;
  /** Symlink entries (legacy saves link duplicate layer.tar files): path → target path. */
  links: Map<string, string>;
  /** Blobs stored for this archive, to remove again if the load fails. */
  lease: BlobLease;
  /** Layer snapshots committed for this archive, to remove again if no image ends up using them. */
  committed: Digest[];
}

export interface ReadArchiveOptions {
  content: ContentStore;
  layers: LayerStore;
  /** Progress of a streamed entry: a short id for it, bytes read so far, entry size. */
  onProgress?: (id: string, current: number, total: number) => void;
}

/** Cleans an archive path; refuses names that climb out of the archive root. */
export function archivePath(name: string): string {
  const norm = path.posix.normalize(name.replace(/^\/+/, ''));
  if (norm === '..' || norm.startsWith('../') || name.includes('\0')) throw invalidArgument(`invalid archive entry ${JSON.stringify(name)}: path escapes the archive`);
  return norm === '.' ? '' : norm.replace(/\/+$/, '');
}

/** A short id for progress lines: the blob or layer directory the entry is named after. */
function progressId(name: string): string {
  const m = /([a-f0-9]{64})/.exec(name);
  return m ? m[1]!.slice(0, 12) : path.posix.basename(name).slice(0, 12);
}

/** True for entries that hold layers: `<id>/layer.tar` (legacy) and blobs (OCI layout). */
function mayBeLayer(name: string): boolean {
  return name.endsWith('/layer.tar') || name === 'layer.tar' || name.startsWith('blobs/');
}

/**
 * Streams a large entry into the content store and, when it is a layer, applies it into a staged
 * snapshot in the same pass: each byte is read once from the request. A layer that cannot be
 * applied (a hostile or corrupt tar) fails the load with the applier's error.
 */
async function streamEntry(entry: Readable, size: number, name: string, o: ReadArchiveOptions, contents: ArchiveContents): Promise<StreamedEntry> {
  const id = progressId(name);
  let read = 0;
  let reported = 0;
  o.onProgress?.(id, 0, size);
  const counted = entry.pipe(
    new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _enc, cb) {
        read += chunk.length;
        if (read - reported >= PROGRESS_EVERY || read === size) {
          reported = read;
          o.onProgress?.(id, read, size);
        }
        cb(null, chunk);
      },
    }),
  );
  entry.on('error', (err) => counted.destroy(err));
  const { stream } = await decompressed(counted);
  const head = await peekByte(stream);
  if (!mayBeLayer(name) || head === 0x7b /* '{': JSON, not a tar */) {
    const blob = await o.content.ingest(stream);
    contents.lease.add(blob);
    return { blob };
  }
  return ingestAndStage(o.content, o.layers, stream, contents.lease);
}

/** The first byte of a stream, put back; undefined for an empty stream. */
async function peekByte(s: Readable): Promise<number | undefined> {
  for (;;) {
    const c = s.read(1) as Buffer | null;
    if (c) {
      s.unshift(c);
      return c[0];
    }
    if (s.readableEnded) return undefined;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        s.off('readable', done);
        s.off('end', done);
        s.off('error', onErr);
        resolve();
      };
      const onErr = (e: Error) => {
        s.off('readable', done);
        s.off('end', done);
        reject(e);
      };
      s.once('readable', done);
      s.once('end', done);
      s.once('error', onErr);
    });
  }
}

/**
 * Reads a `docker save` archive (legacy or OCI layout, optionally gzip-compressed) from a
 * stream: small entries into memory, large ones through {@link streamEntry}. Never writes entry
 * names to disk. On failure every staged snapshot is discarded and the error is rethrown; the
 * blobs stored so far ({@link ArchiveContents.lease}) are the caller's to clean.
 */
export async function readArchive(body: Readable, o: ReadArchiveOptions, contents: ArchiveContents): Promise<void> {
  const { stream } = await decompressed(coalesced(body));
  const extract = tarStream.extract();
  const feed = pipeline(stream, extract as unknown as NodeJS.WritableStream);
  feed.catch(() => {});
  let buffered = 0;
  // Layers are applied concurrently: the next entry streams in while the previous layer's last
  // files are written and its blob is fsynced. A failed layer stops the archive at once.
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const name = archivePath(h.name);
      if (h.type === 'symlink' && h.linkname) {
        contents.links.set(name, archivePath(path.posix.join(path.posix.dirname(name), h.linkname)));
      } else if (h.type === 'link' && h.linkname) {
        contents.links.set(name, archivePath(h.linkname));
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        await drain(entry);
        continue;
      }
      const size = h.size ?? 0;
      if (size <= BUFFER_LIMIT) {
        buffered += size;
        if (buffered > BUFFER_TOTAL_LIMIT) throw invalidArgument('invalid archive: too much metadata');
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        contents.files.set(name, Buffer.concat(chunks));
        continue;
      }
      const job: Promise<void> = streamEntry(entry as unknown as Readable, size, name, o, contents).then(
        (e) => {
          contents.streamed.set(name, e);
        },
        (err: unknown) => {
          failure ??= err;
          stream.destroy();
        },
      );
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    await feed;
  } catch (err) {
    await Promise.allSettled([...inFlight]);
    await feed.catch(() => {});
    for (const s of contents.streamed.values()) if (s.staged) await o.layers.discard(s.staged.key);
    const e = failure ?? err;
    throw isWharfError(e) ? e : invalidArgument(`invalid tar archive: ${(e as Error).message}`, { cause: toWharfError(e) });
  }
}
