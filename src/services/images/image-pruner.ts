import type { ImageStore } from '../../core/images/image-store.js';
import { isKind } from '../../errdefs/index.js';
import { type Digest, digestHex } from '../../lib/digest.js';
import type { Logger } from '../../lib/logger.js';
import type { ImageDeleteResponseItem } from '../../spec/engine/types.js';
import { referenceString } from '../../spec/reference.js';
import { unixSeconds } from './go-shapes.js';
import { danglingFilter, type FilterArgs, matchLabels, untilFilter, validateFilters } from './image-filters.js';
import { parentIds } from './image-list.js';
import type { ImageRemover } from './image-remover.js';

const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

export interface PruneReport {
  ImagesDeleted: ImageDeleteResponseItem[] | null;
  SpaceReclaimed: number;
}

/**
 * `POST /images/prune` as dockerd 20.10 does it: dangling (untagged, childless) images by default,
 * every image no container uses with `dangling=false`; `until` and `label`/`label!` narrow it.
 * Images that cannot go (in use, conflicts) are skipped, not errors. SpaceReclaimed is the size
 * of the layers actually removed.
 */
export async function pruneImages(store: ImageStore, remover: ImageRemover, filters: FilterArgs, log: Logger): Promise<PruneReport> {
  validateFilters(filters, PRUNE_FILTERS);
  const danglingOnly = danglingFilter(filters, true) ?? true;
  const until = untilFilter(filters);
  const layerSizes = new Map<Digest, number>();
  for (const r of store.list()) for (const l of r.layers) layerSizes.set(l.chainID, l.size);
  const parents = parentIds(store);
  const top = store.list().filter((r) => {
    if (danglingOnly && parents.has(r.id)) return false;
    if (store.refsOf(r.id).length === 0 && parents.has(r.id)) return false;
    if (until !== undefined && unixSeconds(r.created) > until) return false;
    return matchLabels(filters, r.labels);
  });
  const deleted: ImageDeleteResponseItem[] = [];
  const attempt = async (name: string): Promise<void> => {
    try {
      deleted.push(...(await remover.remove(name, { force: false, prune: true })));
    } catch (err) {
      if (!isKind(err, 'Conflict') && !isKind(err, 'NotFound')) log.warn('failed to prune image', { image: name, err: String(err) });
    }
  };
  for (const r of top) {
    if (!store.get(r.id)) continue; // removed already as another image's parent
    const refs = store.refsOf(r.id);
    if (refs.length === 0) {
      await attempt(digestHex(r.id));
      continue;
    }
    // Only untagged images (repo@digest references alone) count as dangling.
    if (!danglingOnly || !refs.some((x) => x.tag !== undefined)) {
      for (const ref of refs) await attempt(referenceString(ref));
    }
  }
  let space = 0;
  for (const d of deleted) if (d.Deleted && layerSizes.has(d.Deleted as Digest)) space += layerSizes.get(d.Deleted as Digest)!;
  return { ImagesDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: space };
}
