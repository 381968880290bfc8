import { PassThrough, type Readable } from 'node:stream';
import type { BlobInfo } from '../../../core/content/content-store.js';
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { ImageRecord, LayerRecord } from '../../../core/images/image-store.js';
import type { Snapshotter } from '../../../core/snapshots/snapshotter.js';
import { conflict, notFound } from '../../../errdefs/index.js';
import { type Digest, sha256 } from '../../../lib/digest.js';
import { filterTar } from '../../../lib/tar/filter-tar.js';
import { writeDiff } from '../../../lib/tar/write-diff.js';
import { readXattrTree } from '../../../lib/tar/xattr-tree.js';
import type { ContainerConfig } from '../../../spec/engine/types.js';
import { chainIDs } from '../../../spec/oci/chain-id.js';
import { familiarString, type NamedReference, parseNormalizedNamed, tagNameOnly, withTag } from '../../../spec/reference.js';
import { nowRFC3339Nano } from '../../images/go-shapes.js';
import { layerBlob, storeImageBlobs } from '../../images/image-records.js';
import type { ImageService } from '../../images/image-service.js';
import type { BlobLease } from '../../images/blob-leases.js';
import type { StagedLayer } from '../../images/layer-store.js';
import { ingestAndStage } from '../../images/stage-layer.js';
import type { ContainerService } from '../lifecycle/container-service.js';
import { commitConfigBytes, commitRunConfig } from './commit-config.js';
import { type ContainerFsDeps, containerEvent } from './fs-deps.js';
import { hiddenInitPaths, isHidden } from './init-paths.js';

/** The diffID of a layer with no entries (two zero blocks): dockerd's layer.EmptyLayer. */
export const EMPTY_LAYER_DIFF_ID: Digest = sha256(Buffer.alloc(1024));

/** The image service operations a commit uses (it stores and records the new image). */
export type CommitImages = Pick<ImageService, 'store' | 'layers' | 'lock' | 'leases' | 'readConfig' | 'commitImage' | 'event' | 'deps'>;

export interface CommitDeps extends Pick<ContainerFsDeps, 'withLock' | 'events'> {
  containers: Pick<ContainerService, 'get'>;
  snapshots: Snapshotter;
  images: CommitImages;
  /** The lifecycle's pause/unpause (with their events), used while committing a running container. */
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
}

/** `POST /commit` parameters. */
export interface CommitRequest {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Pause a running container while its changes are read (the API's default since 1.13). */
  pause: boolean;
  /** Dockerfile instructions applied to the config (`docker commit -c`). */
  changes: readonly string[];
  /** A config to start from instead of the container's (the request body). */
  config?: ContainerConfig | null;
}

/**
 * `POST /commit`: a new image made of the container's image plus one layer holding the
 * container's rw layer (its overlay upper dir as an OCI layer, without what Docker's init layer
 * would hold), stored in the content store and unpacked as the snapshot of its chainID; a
 * container without changes adds an empty history entry instead of a layer, as dockerd does.
 * Publishes `pause`/`unpause` (when pausing), the image's `tag` and the container's `commit`.
 */
export async function commitContainer(d: CommitDeps, req: CommitRequest): Promise<Digest> {
  const rec = d.containers.get(req.container);
  if (rec.state.status === 'dead') throw conflict(`You cannot commit container ${rec.id} which is Dead`);
  if (rec.state.status === 'removing') throw conflict(`You cannot commit container ${rec.id} which is being removed`);
  // Checked before any work: a bad name or change must not leave an untagged image behind.
  const ref = commitReference(req.repo, req.tag);
  const config = commitRunConfig(req.config, req.changes, rec.config);
  const pause = req.pause && rec.state.status === 'running';
  if (pause) await d.pause(rec.id);
  try {
    // The container's lock only while its rw layer is read: it cannot be removed meanwhile.
    const read = await d.withLock(rec.id, async () => {
      const current = d.containers.get(rec.id);
      const image = d.images.store.get(current.imageId);
      if (!image) throw notFound(`No such image: ${current.imageId}`);
      return { current, image, layer: await diffLayer(d, current) };
    });
    const id = await recordImage(d, { rec: read.current, image: read.image, layer: read.layer, config, ref, req });
    if (ref) d.images.event('tag', id, familiarString(ref));
    containerEvent(d, rec, 'commit', { comment: req.comment ?? '', imageID: id, imageRef: ref ? familiarString(commitNamed(req.repo!, req.tag)) : '' });
    return id;
  } finally {
    // Docker unpauses even when the commit failed.
    if (pause) await d.unpause(rec.id).catch(() => undefined);
  }
}

/** The reference `repo[:tag]` names, as dockerd parses it (none without `repo`). */
function commitReference(repo: string | undefined, tag: string | undefined): NamedReference | undefined {
  return repo ? tagNameOnly(commitNamed(repo, tag)) : undefined;
}

function commitNamed(repo: string, tag: string | undefined): NamedReference {
  const named = parseNormalizedNamed(repo);
  return tag ? withTag(named, tag) : named;
}

interface DiffLayer {
  staged: StagedLayer;
  blob: BlobInfo;
  /** Holds the stored blob until an image references it (see BlobLeases). */
  lease: BlobLease;
}

/** The container's rw layer as a layer tar, stored in the content store and applied into a staged snapshot in one pass. */
async function diffLayer(d: CommitDeps, rec: ContainerRecord): Promise<DiffLayer> {
  const upper = d.snapshots.writableDir(rec.snapshotKey);
  const hidden = await hiddenInitPaths(upper, await d.snapshots.lowerDirs(rec.snapshotKey), await readXattrTree(upper));
  const raw = new PassThrough({ highWaterMark: 1 << 20 });
  const written = writeDiff(upper, raw);
  const tar: Readable = hidden.size > 0 ? filterTar(raw, (name) => !isHidden(hidden, name)) : raw;
  const lease = d.images.leases.lease();
  const [diff, staged] = await Promise.allSettled([written, ingestAndStage(d.images.deps.content, d.images.layers, tar, lease)]);
  // Reading the rw layer failing explains a failure best: the store only saw its stream cut.
  if (diff.status === 'rejected' || staged.status === 'rejected') {
    if (staged.status === 'fulfilled') await d.images.layers.discard(staged.value.staged.key);
    await d.images.lock.run(() => deleteUnusedBlobs(d.images, lease.release()));
    throw diff.status === 'rejected' ? diff.reason : (staged as PromiseRejectedResult).reason;
  }
  return { ...staged.value, lease };
}

interface RecordInput {
  rec: ContainerRecord;
  image: ImageRecord;
  layer: DiffLayer;
  config: ReturnType<typeof commitRunConfig>;
  ref: NamedReference | undefined;
  req: CommitRequest;
}

/** Commits the staged layer under its chainID (or reuses it), writes config and manifest, records and tags the image. */
async function recordImage(d: CommitDeps, i: RecordInput): Promise<Digest> {
  const svc = d.images;
  const { staged, blob, lease } = i.layer;
  const empty = staged.diffID === EMPTY_LAYER_DIFF_ID;
  let committed: Digest | undefined;
  try {
    return await svc.lock.run(async () => {
      await svc.layers.requireBlob(blob.digest);
      let layers = i.image.layers;
      if (!empty) {
        const layer = await placeLayer(svc, i.image.layers, staged, blob);
        if (layer.placed) committed = layer.record.chainID;
        layers = [...layers, layer.record];
      }
      const parent = await svc.readConfig(i.image);
      const configBytes = commitConfigBytes({
        parent,
        config: i.config,
        containerConfig: i.rec.config,
        containerId: i.rec.id,
        author: i.req.author,
        comment: i.req.comment,
        diffID: empty ? undefined : staged.diffID,
        created: nowRFC3339Nano(),
      });
      const record = await storeImageBlobs(svc.deps.content, { configBytes, config: JSON.parse(configBytes.toString('utf8')), layers, parent: i.image.id });
      await svc.commitImage(record, i.ref ? [i.ref] : []);
      committed = undefined;
      // An empty layer is not part of the image: its blob goes unless someone else holds it.
      const free = lease.release();
      if (empty) await deleteUnusedBlobs(svc, free);
      return record.id;
    });
  } catch (err) {
    await svc.lock.run(async () => {
      const used = new Set(svc.store.list().flatMap((r) => r.layers.map((l) => l.chainID)));
      if (committed && !used.has(committed)) await svc.layers.discard(committed);
      await deleteUnusedBlobs(svc, lease.release());
    });
    throw err;
  } finally {
    await svc.layers.discard(staged.key);
  }
}

/** The new layer on top of `parents`: an existing snapshot of its chainID, or the staged one committed as it. */
async function placeLayer(svc: CommitImages, parents: LayerRecord[], staged: StagedLayer, blob: BlobInfo): Promise<{ record: LayerRecord; placed: boolean }> {
  const parentChain = parents.at(-1)?.chainID;
  const chainID = chainIDs([...parents.map((l) => l.diffID), staged.diffID]).at(-1)!;
  const base = { diffID: staged.diffID, chainID, blob: layerBlob(staged.diffID, blob.size) };
  if (await svc.layers.has(chainID)) {
    const known = svc.store.list().flatMap((r) => r.layers).find((l) => l.chainID === chainID);
    return { record: { ...base, size: known?.size ?? (await svc.layers.sizeOf(chainID)) }, placed: false };
  }
  if (await svc.layers.commitStaged(staged, chainID, parentChain)) return { record: { ...base, size: staged.size }, placed: true };
  const size = await svc.layers.unpack(svc.deps.content.read(staged.diffID), { diffID: staged.diffID, chainID }, parentChain);
  return { record: { ...base, size }, placed: true };
}

/** Removes blobs no image record uses (call with the image lock held). */
async function deleteUnusedBlobs(svc: CommitImages, blobs: Digest[]): Promise<void> {
  const used = new Set(svc.store.list().flatMap((r) => [r.id, ...(r.manifest ? [r.manifest.digest] : []), ...r.layers.map((l) => l.blob.digest)]));
  for (const b of blobs) if (!used.has(b)) await svc.deps.content.delete(b);
}
