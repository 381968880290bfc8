import type { Readable } from 'node:stream';
import type { BlobInfo, ContentStore } from '../../core/content/content-store.js';
import type { BlobLease } from './blob-leases.js';
import type { LayerStore, StagedLayer } from './layer-store.js';
import { tee } from './tee.js';

/**
 * Ingests an uncompressed layer stream into the content store and applies it into a staged
 * snapshot in the same pass (the bytes are read once). A stored blob joins `lease` even when
 * the staging fails, so the caller can remove it again.
 * @throws the applier's error for a layer that cannot be applied (hostile or corrupt).
 */
export async function ingestAndStage(content: ContentStore, layers: LayerStore, stream: Readable, lease: BlobLease): Promise<{ blob: BlobInfo; staged: StagedLayer }> {
  const [toStore, toLayer] = tee(stream);
  // Both branches see the same bytes, so the store's digest of them is the layer's diffID: the
  // applier does not hash them again.
  const [blob, staged] = await Promise.allSettled([content.ingest(toStore!), layers.stageUnhashed(toLayer!)]);
  if (blob.status === 'fulfilled') lease.add(blob.value);
  // The applier's error explains a failure best; the store only saw its branch cut.
  if (staged.status === 'rejected') throw staged.reason;
  if (blob.status === 'rejected') {
    await layers.discard(staged.value.key);
    throw blob.reason;
  }
  return { blob: blob.value, staged: { ...staged.value, diffID: blob.value.digest } };
}
