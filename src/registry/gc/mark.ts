/**
 * The mark phase of gc: which manifests each repository keeps, and every blob they reference.
 */
import type { Digest } from '../../lib/digest.js';
import { isDigest } from '../../lib/digest.js';
import { MAX_MANIFEST_BYTES } from '../manifest-parse.js';
import type { RegistryStorage } from '../storage/registry-storage.js';

/** What a stored manifest references: blobs (config, layers) and child manifests. */
interface References {
  blobs: Digest[];
  manifests: Digest[];
}

const digestOf = (d: unknown): Digest | undefined => {
  const v = (d as { digest?: unknown } | null)?.digest;
  return typeof v === 'string' && isDigest(v) ? v : undefined;
};

/** Reads a blob as a manifest; undefined when it is not one (a layer, a config). */
export async function referencesOf(s: RegistryStorage, digest: Digest): Promise<References | undefined> {
  const size = await s.blobs.size(digest);
  if (size === undefined || size > MAX_MANIFEST_BYTES) return undefined;
  const bytes = await s.blobs.readBytes(digest);
  if (bytes?.[0] !== 0x7b /* { */) return undefined;
  let doc: { config?: unknown; layers?: unknown; manifests?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const list = (v: unknown) => (Array.isArray(v) ? v.map(digestOf).filter((d): d is Digest => d !== undefined) : []);
  const config = digestOf(doc.config);
  return { blobs: [...(config ? [config] : []), ...list(doc.layers)], manifests: list(doc.manifests) };
}

/**
 * Marks `roots` (manifest digests) and everything they reach into `marked`; returns the
 * manifests reached (roots and, through indexes, their children).
 */
export async function markFrom(s: RegistryStorage, roots: Iterable<Digest>, marked: Set<Digest>): Promise<Set<Digest>> {
  const reached = new Set<Digest>();
  const queue = [...roots];
  while (queue.length > 0) {
    const d = queue.pop()!;
    if (reached.has(d)) continue;
    reached.add(d);
    marked.add(d);
    const refs = await referencesOf(s, d);
    if (!refs) continue;
    for (const b of refs.blobs) marked.add(b);
    queue.push(...refs.manifests);
  }
  return reached;
}

export interface RepoMarkOptions {
  deleteUntagged: boolean;
  /** Manifests whose revision link is newer than this (ms) are kept regardless. */
  cutoffMs: number;
  pinned: ReadonlySet<Digest>;
}

/**
 * Marks what repository `name` keeps and returns its manifests that are *not* kept (always
 * empty unless deleteUntagged). Kept: every manifest, or with deleteUntagged only those reached
 * from tags, recent or pinned manifests, through index children and referrers of kept subjects.
 */
export async function markRepository(s: RegistryStorage, name: string, marked: Set<Digest>, o: RepoMarkOptions): Promise<Digest[]> {
  const revisions = await s.repos.revisions(name);
  if (!o.deleteUntagged) {
    await markFrom(
      s,
      revisions.map((r) => r.digest),
      marked,
    );
    return [];
  }
  const roots = new Set<Digest>((await s.repos.tagMap(name)).values());
  for (const r of revisions) if (r.mtimeMs >= o.cutoffMs || o.pinned.has(r.digest)) roots.add(r.digest);
  const kept = new Set<Digest>();
  let frontier = [...roots];
  while (frontier.length > 0) {
    const reached = await markFrom(s, frontier, marked);
    for (const d of reached) kept.add(d);
    // Referrers of a kept manifest are kept too (signatures, SBOMs attached to it).
    const next: Digest[] = [];
    for (const d of reached) for (const r of await s.repos.referrers(name, d)) if (!kept.has(r.digest)) next.push(r.digest);
    frontier = next;
  }
  return revisions.map((r) => r.digest).filter((d) => !kept.has(d));
}
