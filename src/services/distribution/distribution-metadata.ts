/**
 * Where each layer has been seen in registries (dockerd's "v2 metadata"): for a diffID, the
 * compressed blobs that hold it — digest, media type, size — and the repositories they were
 * pulled from or pushed to. A push uses it to skip layers a registry already has (HEAD), to
 * mount a blob from a sibling repository instead of uploading it, and to reuse the digest of a
 * layer it compressed before. Wharf stores layers uncompressed, so without this a second push
 * would have to compress again just to learn a digest.
 *
 * Persisted as one JSON file, rewritten atomically after each change (writes are serialised);
 * losing it loses only an optimisation.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { atomicWriteJSON, readJSONIfExists } from '../../lib/atomic-write.js';
import type { Digest } from '../../lib/digest.js';

/** One compressed blob holding a layer, and a repository (`host/path`) that has it. */
export interface BlobSource {
  digest: Digest;
  mediaType: string;
  size: number;
  /** Full repository name: `127.0.0.1:5000/spy/built`, `docker.io/library/busybox`. */
  repository: string;
}

interface MetadataFile {
  version: 1;
  layers: Record<string, BlobSource[]>;
}

/** dockerd keeps at most 50 sources per layer; so do we (most recent first). */
const MAX_SOURCES = 50;

export class DistributionMetadata {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string | undefined,
    private readonly layers: Map<Digest, BlobSource[]>,
  ) {}

  /** Loads the file (absent: empty); `file` undefined keeps everything in memory only. */
  static async open(file: string | undefined): Promise<DistributionMetadata> {
    if (file) await fs.mkdir(path.dirname(file), { recursive: true });
    // A file that cannot be read (torn by a crash before atomic writes, or hand-edited) is only
    // lost optimisation: start empty rather than refuse to start.
    const doc = file ? await readJSONIfExists<MetadataFile>(file).catch(() => undefined) : undefined;
    const layers = new Map<Digest, BlobSource[]>();
    if (doc?.version === 1 && doc.layers && typeof doc.layers === 'object') {
      for (const [k, v] of Object.entries(doc.layers)) if (Array.isArray(v)) layers.set(k as Digest, v);
    }
    return new DistributionMetadata(file, layers);
  }

  /** Known sources of a layer, most recent first. */
  sources(diffID: Digest): BlobSource[] {
    return [...(this.layers.get(diffID) ?? [])];
  }

  /** Records that `repository` has `src` for `diffID` (moving it to the front). */
  add(diffID: Digest, src: BlobSource): Promise<void> {
    const list = (this.layers.get(diffID) ?? []).filter((s) => !(s.digest === src.digest && s.repository === src.repository));
    list.unshift({ digest: src.digest, mediaType: src.mediaType, size: src.size, repository: src.repository });
    this.layers.set(diffID, list.slice(0, MAX_SOURCES));
    return this.save();
  }

  /** Forgets that `repository` has `digest` (a HEAD found it gone). */
  remove(diffID: Digest, digest: Digest, repository: string): Promise<void> {
    const list = this.layers.get(diffID);
    if (!list) return Promise.resolve();
    const left = list.filter((s) => !(s.digest === digest && s.repository === repository));
    if (left.length === list.length) return Promise.resolve();
    if (left.length === 0) this.layers.delete(diffID);
    else this.layers.set(diffID, left);
    return this.save();
  }

  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    // One writer at a time, each writing the state as of its turn (later changes included).
    this.writing = this.writing.then(() => atomicWriteJSON(file, { version: 1, layers: Object.fromEntries(this.layers) } satisfies MetadataFile)).catch(() => {});
    return this.writing;
  }
}
