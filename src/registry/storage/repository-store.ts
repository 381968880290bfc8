import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../../lib/atomic-write.js';
import { type Digest, isDigest } from '../../lib/digest.js';
import type { Descriptor } from '../../spec/oci/image.js';
import { isTag } from '../names.js';
import type { BlobStore } from './blob-store.js';
import { ensureDir, exists, listDir, readTextIfExists, removeFile, writeMarker } from './fs-util.js';
import type { Layout } from './layout.js';

/** A positive link lookup is trusted this long (links only disappear by DELETE or gc). */
const LINK_TTL_MS = 2000;
const CACHE_MAX = 50_000;

/** What a repository knows of one of its manifests. */
export interface Revision {
  digest: Digest;
  mediaType: string;
  size: number;
}

/**
 * Repositories: which blobs each may see (links to the shared {@link BlobStore}), its manifests
 * (revision links naming their media type), tags and referrers. Every write is a durable rename
 * or marker file, so a crash leaves each fact either recorded or not, never torn. Links are
 * written only after the blob they point to is durable; a dangling link (its blob deleted by gc)
 * reads as "unknown", because every lookup also checks the blob.
 */
export class RepositoryStore {
  private readonly links = new Map<string, number>();

  constructor(
    private readonly layout: Layout,
    private readonly blobs: BlobStore,
  ) {}

  // ---- blob links ----

  /** Lets `name` see blob `digest` (the blob must already be stored). */
  async linkBlob(name: string, digest: Digest): Promise<void> {
    await writeMarker(this.layout.layerLink(name, digest));
    this.links.set(`${name}\0${digest}`, Date.now() + LINK_TTL_MS);
  }

  /**
   * The size of blob `digest` if `name` may see it and it is stored, else undefined. Positive
   * answers are cached for a moment (blob GET/HEAD are the hot path); `fresh` asks the disk,
   * as a manifest commit must (gc in another process may just have deleted the blob).
   */
  async blobSize(name: string, digest: Digest, opts: { fresh?: boolean } = {}): Promise<number | undefined> {
    const key = `${name}\0${digest}`;
    const now = Date.now();
    const until = opts.fresh ? undefined : this.links.get(key);
    if (until === undefined || until <= now) {
      if (!(await exists(this.layout.layerLink(name, digest)))) {
        this.links.delete(key);
        return undefined;
      }
      if (this.links.size >= CACHE_MAX) this.links.clear();
      this.links.set(key, now + LINK_TTL_MS);
    }
    return this.blobs.size(digest, opts);
  }

  /** Removes `name`'s link to a blob (the bytes stay for gc); false when there was none. */
  async unlinkBlob(name: string, digest: Digest): Promise<boolean> {
    this.links.delete(`${name}\0${digest}`);
    return removeFile(this.layout.layerLink(name, digest));
  }

  /** Every blob `name` links to, with the link file's mtime (for gc). */
  async blobLinks(name: string): Promise<{ digest: Digest; mtimeMs: number }[]> {
    return statEntries(this.layout.layersDir(name));
  }

  // ---- manifests and tags ----

  /** Records manifest `digest` (already in the blob store) in `name`, and points `tags` at it. */
  async putManifest(name: string, rev: { digest: Digest; mediaType: string }, tags: readonly string[]): Promise<void> {
    const link = this.layout.revisionLink(name, rev.digest);
    await ensureDir(path.dirname(link));
    await atomicWrite(link, `${JSON.stringify({ mediaType: rev.mediaType })}\n`);
    if (tags.length > 0) await ensureDir(this.layout.tagsDir(name));
    // Each tag is its own file replaced by an atomic rename: a reader sees the old or new digest.
    for (const tag of tags) await atomicWrite(this.layout.tag(name, tag), `${rev.digest}\n`);
  }

  /** The manifest `digest` of `name`, or undefined if the repository does not have it. */
  async revision(name: string, digest: Digest, opts: { fresh?: boolean } = {}): Promise<Revision | undefined> {
    const text = await readTextIfExists(this.layout.revisionLink(name, digest));
    if (text === undefined) return undefined;
    const size = await this.blobs.size(digest, opts);
    if (size === undefined) return undefined;
    const { mediaType } = JSON.parse(text) as { mediaType: string };
    return { digest, mediaType, size };
  }

  /** Every manifest digest recorded in `name`, with the link's mtime (for gc). */
  async revisions(name: string): Promise<{ digest: Digest; mtimeMs: number }[]> {
    return statEntries(this.layout.revisionsDir(name));
  }

  /** Removes manifest `digest` from `name` and every tag pointing at it; false if absent. */
  async deleteRevision(name: string, digest: Digest): Promise<boolean> {
    if (!(await removeFile(this.layout.revisionLink(name, digest)))) return false;
    for (const [tag, d] of await this.tagMap(name)) {
      if (d === digest) await removeFile(this.layout.tag(name, tag));
    }
    return true;
  }

  /** The digest a tag points at, or undefined. */
  async resolveTag(name: string, tag: string): Promise<Digest | undefined> {
    const text = (await readTextIfExists(this.layout.tag(name, tag)))?.trim();
    return text && isDigest(text) ? text : undefined;
  }

  async deleteTag(name: string, tag: string): Promise<boolean> {
    return removeFile(this.layout.tag(name, tag));
  }

  /** The repository's tags in byte order, or undefined when the repository is unknown. */
  async tags(name: string): Promise<string[] | undefined> {
    if (!(await this.exists(name))) return undefined;
    return (await listDir(this.layout.tagsDir(name))).filter(isTag).sort();
  }

  /** Tag → digest for every tag of `name`. */
  async tagMap(name: string): Promise<Map<string, Digest>> {
    const out = new Map<string, Digest>();
    for (const tag of (await listDir(this.layout.tagsDir(name))).filter(isTag)) {
      const d = await this.resolveTag(name, tag);
      if (d) out.set(tag, d);
    }
    return out;
  }

  /** A repository exists once a manifest was pushed to it. */
  async exists(name: string): Promise<boolean> {
    return exists(this.layout.manifestsDir(name));
  }

  /** Every repository name (a manifest was pushed to it), sorted. */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    await walkRepos(this.layout.repoDir, '', out, ['_manifests']);
    return out.sort();
  }

  /** Every repository that holds anything, blob links included (for gc). */
  async allRepositories(): Promise<string[]> {
    const out: string[] = [];
    await walkRepos(this.layout.repoDir, '', out, ['_manifests', '_layers', '_referrers']);
    return [...new Set(out)].sort();
  }

  // ---- referrers ----

  /** Records that manifest `desc` in `name` has subject `subject`. */
  async addReferrer(name: string, subject: Digest, desc: Descriptor): Promise<void> {
    const file = this.layout.referrerLink(name, subject, desc.digest);
    await ensureDir(path.dirname(file));
    await atomicWrite(file, `${JSON.stringify(desc)}\n`);
  }

  async removeReferrer(name: string, subject: Digest, digest: Digest): Promise<void> {
    await removeFile(this.layout.referrerLink(name, subject, digest));
  }

  /** Descriptors of the manifests in `name` whose subject is `subject`, ordered by digest. */
  async referrers(name: string, subject: Digest): Promise<Descriptor[]> {
    const dir = this.layout.referrersDir(name, subject);
    const out: Descriptor[] = [];
    for (const hex of (await listDir(dir)).sort()) {
      if (hex.startsWith('.')) continue;
      const text = await readTextIfExists(path.join(dir, hex));
      if (text !== undefined) out.push(JSON.parse(text) as Descriptor);
    }
    return out;
  }
}

/** Digest-named entries of a `…/sha256` folder with their mtimes. */
async function statEntries(dir: string): Promise<{ digest: Digest; mtimeMs: number }[]> {
  const out: { digest: Digest; mtimeMs: number }[] = [];
  for (const hex of await listDir(dir)) {
    const digest = `sha256:${hex}`;
    if (!isDigest(digest)) continue;
    try {
      out.push({ digest, mtimeMs: (await fs.stat(path.join(dir, hex))).mtimeMs });
    } catch {
      // Removed while listing: not there any more.
    }
  }
  return out;
}

/** Collects the names of repositories under `dir`: folders holding one of `markers`. */
async function walkRepos(dir: string, prefix: string, out: string[], markers: readonly string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    if (markers.includes(e.name)) out.push(prefix.slice(0, -1));
    if (e.name.startsWith('_') || e.name.startsWith('.')) continue;
    await walkRepos(path.join(dir, e.name), `${prefix}${e.name}/`, out, markers);
  }
}
