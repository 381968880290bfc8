import os from 'node:os';
import type { ContentStore } from '../../core/content/content-store.js';
import { invalidArgument } from '../../errdefs/index.js';
import { isDigest } from '../../lib/digest.js';
import { Annotation, type Descriptor, type Index, type Manifest } from '../../spec/oci/image.js';
import { isIndexType } from '../../spec/oci/media-types.js';
import { type NamedReference, parseNormalizedNamed } from '../../spec/reference.js';
import { type ArchiveContents, archivePath, type StreamedEntry } from './archive-reader.js';

/** One image an archive describes: where its config and layers are inside the archive. */
export interface ImagePlan {
  configPath: string;
  layerPaths: string[];
  tags: NamedReference[];
  /** The original OCI manifest, when the archive had one. */
  manifest?: Buffer;
  /** Docker's `Parent` of manifest.json (an image ID), linked only if also loaded. */
  parent?: string;
}

/** An entry of the archive: bytes in memory or a streamed blob. */
export type ArchiveEntry = { kind: 'file'; path: string; data: Buffer } | { kind: 'streamed'; path: string; entry: StreamedEntry };

/** Docker's manifest.json item. */
interface ManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  Parent?: string;
}

/** Looks an archive path up, following symlink entries (at most 16 hops). */
export function lookupEntry(c: ArchiveContents, p: string): ArchiveEntry | undefined {
  let cur = archivePath(p);
  for (let hops = 0; hops < 16; hops++) {
    const file = c.files.get(cur);
    if (file) return { kind: 'file', path: cur, data: file };
    const streamed = c.streamed.get(cur);
    if (streamed) return { kind: 'streamed', path: cur, entry: streamed };
    const next = c.links.get(cur);
    if (next === undefined) return undefined;
    cur = next;
  }
  return undefined;
}

/** The bytes of an archive entry (streamed ones come back from the content store). */
export async function entryBytes(c: ArchiveContents, content: ContentStore, p: string): Promise<Buffer> {
  const e = lookupEntry(c, p);
  if (!e) throw invalidArgument(`invalid archive: ${p} not found`);
  return e.kind === 'file' ? e.data : content.readBytes(e.entry.blob.digest);
}

async function readJSON<T>(c: ArchiveContents, content: ContentStore, p: string): Promise<T> {
  const buf = await entryBytes(c, content, p);
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    throw invalidArgument(`invalid archive: ${p}: ${(err as Error).message}`);
  }
}

function parseTag(s: string): NamedReference {
  const ref = parseNormalizedNamed(s);
  if (ref.tag === undefined || ref.digest) throw invalidArgument(`invalid tag "${s}"`);
  return ref;
}

const blobPath = (d: Descriptor) => {
  if (!isDigest(d.digest)) throw invalidArgument(`invalid archive: bad digest ${JSON.stringify(d.digest)}`);
  return `blobs/sha256/${d.digest.slice(7)}`;
};

/** The image name an index.json descriptor carries (containerd's full name, or a full ref name). */
function nameOf(d: Descriptor): NamedReference | undefined {
  for (const s of [d.annotations?.[Annotation.imageName], d.annotations?.[Annotation.refName]]) {
    if (!s) continue;
    try {
      const ref = parseNormalizedNamed(s);
      // A bare `latest` ref name is a tag without a repository: not a name.
      if (ref.tag !== undefined && !ref.digest && (s.includes(':') || s.includes('/'))) return ref;
    } catch {
      // Not a reference: OCI allows any string here.
    }
  }
  return undefined;
}

const GOARCH = os.arch() === 'x64' ? 'amd64' : os.arch();

/** Picks the manifests of an index that run here (all of them when none names a platform). */
function forThisPlatform(ds: Descriptor[]): Descriptor[] {
  const withPlatform = ds.filter((d) => d.platform);
  if (withPlatform.length === 0) return ds;
  const ours = ds.filter((d) => !d.platform || (d.platform.os === 'linux' && d.platform.architecture === GOARCH));
  return ours.length > 0 ? ours.slice(0, 1) : ds.slice(0, 1);
}

async function plansFromIndex(c: ArchiveContents, content: ContentStore, index: Index, inherited?: NamedReference): Promise<ImagePlan[]> {
  const plans: ImagePlan[] = [];
  for (const d of forThisPlatform(index.manifests ?? [])) {
    const name = nameOf(d) ?? inherited;
    if (isIndexType(d.mediaType)) {
      plans.push(...(await plansFromIndex(c, content, await readJSON<Index>(c, content, blobPath(d)), name)));
      continue;
    }
    const raw = await entryBytes(c, content, blobPath(d));
    const m = JSON.parse(raw.toString('utf8')) as Manifest;
    if (!m.config || !Array.isArray(m.layers)) continue; // not an image manifest (an artifact)
    const same = plans.find((p) => p.configPath === blobPath(m.config));
    if (same) {
      if (name) same.tags.push(name);
      continue;
    }
    plans.push({ configPath: blobPath(m.config), layerPaths: m.layers.map(blobPath), tags: name ? [name] : [], manifest: raw });
  }
  return plans;
}

/**
 * What to load from an archive: Docker's `manifest.json` when present (every `docker save`
 * writes it, legacy and OCI layouts alike), else the OCI `index.json`.
 */
export async function archivePlans(c: ArchiveContents, content: ContentStore): Promise<ImagePlan[]> {
  if (lookupEntry(c, 'manifest.json')) {
    const items = await readJSON<ManifestItem[] | null>(c, content, 'manifest.json');
    if (!Array.isArray(items)) throw invalidArgument('invalid manifest, manifest cannot be null (but can be [])');
    return items.map((m) => {
      if (typeof m.Config !== 'string' || !Array.isArray(m.Layers)) throw invalidArgument('invalid archive: malformed manifest.json');
      const plan: ImagePlan = { configPath: m.Config, layerPaths: m.Layers, tags: (m.RepoTags ?? []).map(parseTag) };
      if (m.Parent) plan.parent = m.Parent;
      return plan;
    });
  }
  if (lookupEntry(c, 'index.json')) return plansFromIndex(c, content, await readJSON<Index>(c, content, 'index.json'));
  throw invalidArgument('invalid archive: it has neither manifest.json nor index.json (is it a docker save archive?)');
}
