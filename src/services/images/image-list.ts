import type { ImageRecord, ImageStore } from '../../core/images/image-store.js';
import type { ImageUsage } from '../../core/images/image-usage.js';
import type { Digest } from '../../lib/digest.js';
import type { ImageSummary } from '../../spec/engine/types.js';
import { familiarMatch, familiarString } from '../../spec/reference.js';
import { unixNanos, unixSeconds } from './go-shapes.js';
import { danglingFilter, type FilterArgs, matchKVList, validateFilters } from './image-filters.js';
import { resolveImage } from './image-resolver.js';

const LIST_FILTERS = ['dangling', 'label', 'before', 'since', 'reference'] as const;

export interface ListOptions {
  /** Include intermediate (untagged, with children) images: `docker images -a`. */
  all?: boolean;
  filters?: FilterArgs;
  /** Fill in Containers and SharedSize (system df); otherwise they are -1 as in Docker. */
  withExtraAttrs?: boolean;
}

/** The IDs of images that are some other image's parent. */
export function parentIds(store: ImageStore): Set<Digest> {
  const out = new Set<Digest>();
  for (const r of store.list()) if (r.parent) out.add(r.parent);
  return out;
}

function summary(r: ImageRecord): ImageSummary {
  return {
    Containers: -1,
    Created: unixSeconds(r.created),
    Id: r.id,
    Labels: r.labels as Record<string, string>,
    ParentId: r.parent ?? '',
    RepoDigests: null as unknown as string[],
    RepoTags: null as unknown as string[],
    SharedSize: -1,
    Size: r.size,
    VirtualSize: r.size,
  };
}

function boundary(store: ImageStore, filters: FilterArgs, name: 'before' | 'since'): bigint | undefined {
  let out: bigint | undefined;
  for (const v of filters.get(name) ?? []) out = unixNanos(resolveImage(store, v).created);
  return out;
}

/**
 * `GET /images/json`, as dockerd 20.10 computes it: untagged images with children are hidden
 * unless `all`; images with neither tags nor digests show as `<none>:<none>`; newest first.
 */
export function listImages(store: ImageStore, usage: ImageUsage, opts: ListOptions = {}): ImageSummary[] {
  const filters = opts.filters ?? new Map();
  validateFilters(filters, LIST_FILTERS);
  const danglingOnly = danglingFilter(filters) === true;
  const hasDangling = filters.has('dangling');
  const before = boundary(store, filters, 'before');
  const since = boundary(store, filters, 'since');
  const patterns: string[] = filters.get('reference') ?? [];
  const parents = parentIds(store);
  const out: Array<{ s: ImageSummary; r: ImageRecord }> = [];
  for (const r of store.list()) {
    // Docker's Heads(): with dangling=true only images that are nobody's parent are candidates.
    if (danglingOnly && parents.has(r.id)) continue;
    const created = unixNanos(r.created);
    if (before !== undefined && created >= before) continue;
    if (since !== undefined && created <= since) continue;
    if (filters.has('label') && !matchKVList(filters, 'label', r.labels)) continue;
    const s = summary(r);
    for (const ref of store.refsOf(r.id)) {
      if (patterns.length > 0 && !patterns.some((p) => familiarMatch(p, ref))) continue;
      if (ref.digest) (s.RepoDigests ??= []).push(familiarString(ref));
      if (ref.tag !== undefined) (s.RepoTags ??= []).push(familiarString(ref));
    }
    if (!s.RepoDigests && !s.RepoTags) {
      if (!opts.all && parents.has(r.id)) continue;
      if (hasDangling && !danglingOnly) continue;
      if (patterns.length > 0) continue;
      s.RepoDigests = ['<none>@<none>'];
      s.RepoTags = ['<none>:<none>'];
    } else if (danglingOnly && s.RepoTags) {
      continue;
    }
    out.push({ s, r });
  }
  if (opts.withExtraAttrs) addExtraAttrs(out, usage);
  out.sort((a, b) => b.s.Created - a.s.Created || (a.s.Id < b.s.Id ? -1 : 1));
  return out.map((x) => x.s);
}

/** Containers per image and SharedSize: bytes of layers also used by another listed image. */
function addExtraAttrs(items: Array<{ s: ImageSummary; r: ImageRecord }>, usage: ImageUsage): void {
  const layerRefs = new Map<Digest, number>();
  for (const { r } of items) for (const l of r.layers) layerRefs.set(l.chainID, (layerRefs.get(l.chainID) ?? 0) + 1);
  for (const { s, r } of items) {
    s.Containers = usage.usersOf(r.id).length;
    s.SharedSize = r.layers.reduce((n, l) => n + ((layerRefs.get(l.chainID) ?? 0) > 1 ? l.size : 0), 0);
  }
}

/**
 * Docker's LayersSize for `system df`: each layer (chainID) counted once, over the layers of
 * images that are tagged or are nobody's parent.
 */
export function layersSize(store: ImageStore): number {
  const parents = parentIds(store);
  const sizes = new Map<Digest, number>();
  for (const r of store.list()) {
    if (store.refsOf(r.id).length === 0 && parents.has(r.id)) continue;
    for (const l of r.layers) sizes.set(l.chainID, l.size);
  }
  let total = 0;
  for (const n of sizes.values()) total += n;
  return total;
}
