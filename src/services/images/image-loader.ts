import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { LayerRecord } from '../../core/images/image-store.js';
import { invalidArgument } from '../../errdefs/index.js';
import { type Digest, isDigest } from '../../lib/digest.js';
import { decompressed } from '../../lib/tar/decompress.js';
import type { JSONMessage } from '../../spec/engine/types.js';
import { chainIDs } from '../../spec/oci/chain-id.js';
import { familiarString } from '../../spec/reference.js';
import { type ArchiveEntry, archivePlans, entryBytes, type ImagePlan, lookupEntry } from './archive-manifest.js';
import { type ArchiveContents, readArchive } from './archive-reader.js';
import { layerBlob, parseImageConfig, storeImageBlobs } from './image-records.js';
import type { ImageService } from './image-service.js';
import { progressMessage } from './json-progress.js';

/** Where load output goes: JSON messages of Docker's progress stream. */
export type MessageSink = (msg: JSONMessage) => void;

/**
 * `POST /images/load`: reads a `docker save` archive (legacy layout from Docker ≤ 24, OCI layout
 * with manifest.json from Docker ≥ 25, or a plain OCI image layout; optionally gzip'd) and
 * creates its images.
 *
 * One pass over the request: each layer is ingested into the content store and extracted into a
 * staged snapshot as it streams in; once manifest.json (at the archive's end) gives the order,
 * staged layers are moved under their chainIDs. Layers already present are reused. On any failure
 * nothing remains: staged snapshots and blobs of this load that no image uses are removed.
 */
export async function loadImages(svc: ImageService, body: Readable, out: MessageSink, quiet: boolean): Promise<void> {
  const { content } = svc.deps;
  const contents: ArchiveContents = { files: new Map(), streamed: new Map(), links: new Map(), lease: svc.leases.lease(), committed: [] };
  try {
    await readArchive(body, { content, layers: svc.layers, onProgress: quiet ? undefined : (id, cur, total) => out(progressMessage('Loading layer', id, cur, total)) }, contents);
    const plans = await archivePlans(contents, content);
    await svc.lock.run(async () => {
      const loaded: Digest[] = [];
      let tagged = 0;
      for (const plan of plans) {
        const id = await commitPlan(svc, contents, plan, loaded, out);
        loaded.push(id);
        tagged = plan.tags.length;
      }
      if (tagged === 0) for (const id of loaded) out({ stream: `Loaded image ID: ${id}\n` });
    });
  } finally {
    await cleanup(svc, contents);
  }
}

/**
 * Discards staged layers that were not used, and the snapshots and blobs this load created that
 * no image references (a load that failed half-way leaves nothing behind).
 */
async function cleanup(svc: ImageService, c: ArchiveContents): Promise<void> {
  for (const s of c.streamed.values()) if (s.staged) await svc.layers.discard(s.staged.key);
  await svc.discardUnreferenced(c.committed, c.lease);
}

async function commitPlan(svc: ImageService, c: ArchiveContents, plan: ImagePlan, loaded: Digest[], out: MessageSink): Promise<Digest> {
  const configBytes = await entryBytes(c, svc.deps.content, plan.configPath);
  const config = parseImageConfig(configBytes);
  const diffIDs = config.rootfs.diff_ids;
  if (plan.layerPaths.length !== diffIDs.length) {
    throw invalidArgument(`invalid manifest, layers length mismatch: expected ${plan.layerPaths.length}, got ${diffIDs.length}`);
  }
  const chains = chainIDs(diffIDs);
  const known = new Map<Digest, LayerRecord>();
  for (const r of svc.store.list()) for (const l of r.layers) known.set(l.chainID, l);
  const layers: LayerRecord[] = [];
  for (let i = 0; i < diffIDs.length; i++) {
    const entry = lookupEntry(c, plan.layerPaths[i]!);
    if (!entry) throw invalidArgument(`invalid archive: layer ${plan.layerPaths[i]} not found`);
    const layer = { diffID: diffIDs[i]!, chainID: chains[i]! };
    layers.push(await materialize(svc, c, entry, layer, i === 0 ? undefined : chains[i - 1], known.get(layer.chainID)));
  }
  const parent = plan.parent && isDigest(plan.parent) && loaded.includes(plan.parent) ? plan.parent : undefined;
  const record = await storeImageBlobs(svc.deps.content, { configBytes, config, layers, manifest: plan.manifest, parent });
  for (const t of plan.tags) {
    const prev = svc.store.lookupRef(t);
    if (prev && prev !== record.id) {
      out({ stream: `The image ${familiarString(t)} already exists, renaming the old one with ID ${prev} to empty string\n` });
    }
  }
  await svc.commitImage(record, plan.tags, false);
  for (const t of plan.tags) out({ stream: `Loaded image: ${familiarString(t)}\n` });
  svc.event('load', record.id, record.id);
  return record.id;
}

function mismatch(i: { diffID: Digest }, got: Digest): Error {
  return invalidArgument(`invalid diffID for layer: expected "${i.diffID}", got "${got}"`);
}

/**
 * Gets one layer of a stack into its chainID snapshot and its blob into the content store,
 * reusing what exists: the committed snapshot (a layer loaded before), the staged snapshot of
 * this load, or — for small layers kept in memory and layers needed twice — a fresh unpack.
 */
async function materialize(
  svc: ImageService,
  c: ArchiveContents,
  entry: ArchiveEntry,
  layer: { diffID: Digest; chainID: Digest },
  parent: Digest | undefined,
  known: LayerRecord | undefined,
): Promise<LayerRecord> {
  const { content } = svc.deps;
  let bytes: Buffer | undefined;
  if (entry.kind === 'file') {
    // Small layer kept in memory: store it uncompressed, its digest must be the diffID.
    bytes = await buffer((await decompressed(Readable.from([entry.data]))).stream);
    const blob = await content.writeBytes(bytes);
    c.lease.add(blob);
    if (blob.digest !== layer.diffID) throw mismatch(layer, blob.digest);
  } else if (entry.entry.blob.digest !== layer.diffID) {
    throw mismatch(layer, entry.entry.blob.digest);
  }
  const blob = layerBlob(layer.diffID, entry.kind === 'file' ? bytes!.length : entry.entry.blob.size);
  await svc.layers.requireBlob(layer.diffID);
  if (await svc.layers.has(layer.chainID)) {
    return { ...layer, blob, size: known?.size ?? (await svc.layers.sizeOf(layer.chainID)) };
  }
  c.committed.push(layer.chainID);
  if (entry.kind === 'streamed' && entry.entry.staged) {
    const staged = entry.entry.staged;
    entry.entry.staged = undefined;
    if (staged.diffID !== layer.diffID) throw mismatch(layer, staged.diffID);
    if (await svc.layers.commitStaged(staged, layer.chainID, parent)) return { ...layer, blob, size: staged.size };
  }
  const source = entry.kind === 'file' ? Readable.from([bytes!]) : content.read(layer.diffID);
  const size = await svc.layers.unpack(source, layer, parent);
  return { ...layer, blob, size };
}
