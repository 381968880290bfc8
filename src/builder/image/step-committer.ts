import { PassThrough } from 'node:stream';
import type { BlobInfo } from '../../core/content/content-store.js';
import type { ImageRecord, LayerRecord } from '../../core/images/image-store.js';
import { isKind } from '../../errdefs/index.js';
import { type Digest, sha256 } from '../../lib/digest.js';
import { writeDiff } from '../../lib/tar/write-diff.js';
import { chainIDs } from '../../spec/oci/chain-id.js';
import type { ImageConfigFile, ImageRunConfig } from '../../spec/oci/image.js';
import type { BlobLease } from '../../services/images/blob-leases.js';
import { nowRFC3339Nano } from '../../services/images/go-shapes.js';
import { layerBlob, storeImageBlobs } from '../../services/images/image-records.js';
import type { BuildImages } from './build-images.js';
import { childImageConfig } from './child-config.js';

/** The diffID of a layer with no entries (two zero blocks): dockerd's layer.EmptyLayer. */
const EMPTY_LAYER_DIFF_ID: Digest = sha256(Buffer.alloc(1024));

/** The image a step builds on (undefined on `FROM scratch` before any step). */
export interface StepParent {
  record: ImageRecord | undefined;
  config: ImageConfigFile | undefined;
}

export interface StepImage {
  parent: StepParent;
  /** The run config after the step. */
  config: ImageRunConfig;
  /** The step's container config (its Cmd is the history's created_by; the cache compares it). */
  containerConfig: ImageRunConfig;
  containerId?: string;
  author?: string;
  /**
   * An active, unmounted snapshot on the parent's top layer whose upper dir holds the step's
   * changes. It is consumed: committed as the layer, or removed.
   */
  snapshotKey?: string;
  /**
   * The unmount of the snapshot's working mount, still under way: the commit reads the upper dir
   * meanwhile (the step's writes are complete; reading an overlay's upper dir while it is mounted
   * is safe) and waits for it before committing or removing the snapshot. The unmount syncs the
   * upper filesystem and costs a process, so overlapping it with the diff takes it off the step.
   */
  unmounted?: Promise<void>;
}

/** A step's new image: its record and config (the next step's parent). */
export interface CommittedStep {
  record: ImageRecord;
  config: ImageConfigFile;
}

interface DiffedLayer {
  blob: BlobInfo;
  diffID: Digest;
  lease: BlobLease;
}

/**
 * Turns build steps into images, as dockerd's builder commits them: a child config of the parent
 * (rootfs and history extended) and, when the step changed files, one new layer. The layer is the
 * step snapshot's upper dir: written once as an OCI tar into the content store (its digest is the
 * diffID) and committed in place as the snapshot of its chainID — no second copy of the files.
 */
export class StepCommitter {
  constructor(private readonly images: BuildImages) {}

  async commit(step: StepImage): Promise<CommittedStep> {
    const svc = this.images.service;
    let placed: Digest | undefined;
    let diff: DiffedLayer | undefined;
    try {
      diff = await this.diffUnmounted(step);
      return await svc.lock.run(async () => {
        let layers = step.parent.record?.layers ?? [];
        let diffID: Digest | undefined;
        if (diff && diff.diffID !== EMPTY_LAYER_DIFF_ID) {
          await svc.layers.requireBlob(diff.blob.digest);
          const layer = await this.place(layers, diff, step.snapshotKey!);
          if (layer.placed) placed = layer.record.chainID;
          layers = [...layers, layer.record];
          diffID = diff.diffID;
        }
        const configBytes = childImageConfig({
          parent: step.parent.config,
          config: step.config,
          containerConfig: step.containerConfig,
          containerId: step.containerId,
          author: step.author,
          diffID,
          created: nowRFC3339Nano(),
        });
        const config = JSON.parse(configBytes.toString('utf8')) as ImageConfigFile;
        const record = await storeImageBlobs(this.images.content, { configBytes, config, layers, parent: step.parent.record?.id });
        await svc.commitImage(record, [], false);
        placed = undefined;
        await this.releaseLease(diff);
        return { record, config };
      });
    } catch (err) {
      await svc.lock.run(async () => {
        const used = new Set(svc.store.list().flatMap((r) => r.layers.map((l) => l.chainID)));
        if (placed && !used.has(placed)) await svc.layers.discard(placed);
        await this.releaseLease(diff);
      });
      throw err;
    } finally {
      // Still there when the layer was empty, already existed, or the commit failed.
      if (step.snapshotKey) await this.discard(step.snapshotKey);
    }
  }

  /** The step's layer (if it has a snapshot), once its mount is gone; fails after both have settled. */
  private async diffUnmounted(step: StepImage): Promise<DiffedLayer | undefined> {
    const [diffed, unmounted] = await Promise.allSettled([step.snapshotKey ? this.diff(step.snapshotKey) : undefined, step.unmounted]);
    if (unmounted.status === 'rejected') {
      if (diffed.status === 'fulfilled' && diffed.value) await this.images.service.lock.run(() => this.releaseLease(diffed.value));
      throw unmounted.reason;
    }
    if (diffed.status === 'rejected') throw diffed.reason;
    return diffed.value;
  }

  /** Writes the upper dir of `key` as a layer tar into the content store. */
  private async diff(key: string): Promise<DiffedLayer> {
    const lease = this.images.service.leases.lease();
    const tar = new PassThrough({ highWaterMark: 1 << 20 });
    const [written, stored] = await Promise.allSettled([writeDiff(this.images.snapshots.writableDir(key), tar), this.images.content.ingest(tar)]);
    if (stored.status === 'fulfilled') lease.add(stored.value);
    if (written.status === 'rejected' || stored.status === 'rejected') {
      await this.images.service.lock.run(() => this.releaseLease({ lease }));
      throw written.status === 'rejected' ? written.reason : (stored as PromiseRejectedResult).reason;
    }
    return { blob: stored.value, diffID: written.value.diffID, lease };
  }

  /** The new layer on top of `parents`: an existing snapshot of its chainID, or `key` committed as it. */
  private async place(parents: LayerRecord[], diff: DiffedLayer, key: string): Promise<{ record: LayerRecord; placed: boolean }> {
    const svc = this.images.service;
    const chainID = chainIDs([...parents.map((l) => l.diffID), diff.diffID]).at(-1)!;
    const base = { diffID: diff.diffID, chainID, blob: layerBlob(diff.diffID, diff.blob.size) };
    if (await svc.layers.has(chainID)) {
      const known = svc.store.list().flatMap((r) => r.layers).find((l) => l.chainID === chainID);
      return { record: { ...base, size: known?.size ?? (await svc.layers.sizeOf(chainID)) }, placed: false };
    }
    // The snapshot's parent is the parent image's top layer, so committing it in place gives
    // exactly the stack chainID names (the invariant of LayerStore: chainID ⇔ content).
    await this.images.snapshots.commit(chainID, key);
    return { record: { ...base, size: await svc.layers.sizeOf(chainID) }, placed: true };
  }

  /** Ends a layer's lease; its blob goes when no image references it (call with the image lock held). */
  private async releaseLease(diff: { lease: BlobLease } | undefined): Promise<void> {
    if (!diff) return;
    const free = diff.lease.release();
    if (free.length === 0) return;
    const svc = this.images.service;
    const used = new Set(svc.store.list().flatMap((r) => [r.id, ...(r.manifest ? [r.manifest.digest] : []), ...r.layers.map((l) => l.blob.digest)]));
    for (const b of free) if (!used.has(b)) await this.images.content.delete(b);
  }

  private async discard(key: string): Promise<void> {
    await this.images.snapshots.remove(key).catch((err) => {
      if (!isKind(err, 'NotFound')) throw err;
    });
  }
}
