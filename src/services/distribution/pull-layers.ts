/**
 * The layer half of a pull: decides per layer what is already here, downloads the rest (in the
 * daemon's download slots: three at a time across all pulls by default, like dockerd), and
 * commits them as chainID snapshots strictly in stack order, streaming Docker's per-layer
 * statuses: `Already exists` | `Pulling fs layer` → `Waiting` → `Downloading` → `Verifying
 * Checksum` → `Download complete` → `Extracting` → `Pull complete`.
 */
import type { LayerRecord } from '../../core/images/image-store.js';
import { type Digest, shortId } from '../../lib/digest.js';
import type { RepositoryClient } from '../../plugins/registry-client/repository-client.js';
import type { Descriptor } from '../../spec/oci/image.js';
import { progressMessage } from '../images/json-progress.js';
import type { BlobLease } from '../images/blob-leases.js';
import type { ImageService } from '../images/image-service.js';
import type { StagedLayer } from '../images/layer-store.js';
import { layerBlob } from '../images/image-records.js';
import { fetchLayer } from './layer-fetch.js';
import { Limiter } from './limiter.js';
import { ByteProgress, type MessageSink, statusLine } from './progress.js';
import type { RetryPolicy } from './retry.js';
import { DEFAULT_TRANSFER_LIMITS } from './transfer-limits.js';

/** One layer of the image being pulled. */
export interface PullLayer {
  /** The compressed blob in the registry. */
  blob: Descriptor;
  diffID: Digest;
  chainID: Digest;
}

/** What a pull has made so far, for cleanup if it fails. */
export interface PullState {
  lease: BlobLease;
  /** ChainIDs this pull committed (discarded on failure unless an image uses them). */
  committed: Digest[];
  /** Staged snapshots not yet moved under their chainID. */
  staged: Set<string>;
}

interface Plan extends PullLayer {
  id: string;
  /** Committed snapshot present. */
  hasSnapshot: boolean;
  /** Uncompressed blob present in the content store. */
  hasBlob: boolean;
}

async function plan(svc: ImageService, layers: PullLayer[]): Promise<Plan[]> {
  return Promise.all(
    layers.map(async (l) => {
      const [hasSnapshot, info] = await Promise.all([svc.layers.has(l.chainID), svc.deps.content.info(l.diffID)]);
      return { ...l, id: shortId(l.blob.digest), hasSnapshot, hasBlob: info !== undefined };
    }),
  );
}

/** How the downloads of one pull run. */
export interface DownloadOptions {
  signal?: AbortSignal;
  /** Retries of transient failures (dockerd's: 5 attempts); none when absent. */
  retry?: RetryPolicy;
  /** The daemon-wide download slots; a private pool of dockerd's default size when absent. */
  slots?: Limiter;
}

/** Starts every needed download (deduplicated by blob digest), each in a download slot. */
function startDownloads(
  svc: ImageService,
  repo: RepositoryClient,
  plans: Plan[],
  state: PullState,
  out: MessageSink,
  opts: DownloadOptions,
): Map<Digest, Promise<StagedLayer | undefined>> {
  const { signal, retry } = opts;
  const limiter = opts.slots ?? new Limiter(DEFAULT_TRANSFER_LIMITS.maxConcurrentDownloads);
  const downloads = new Map<Digest, Promise<StagedLayer | undefined>>();
  for (const p of plans) {
    if (p.hasBlob || downloads.has(p.blob.digest)) continue;
    if (limiter.saturated) out(statusLine('Waiting', p.id));
    // With `signal`, a failed or cancelled pull leaves the slot queue at once rather than
    // waiting behind other pulls' transfers before it can clean up.
    const task = limiter.run(async () => {
      const progress = new ByteProgress(out, 'Downloading', p.id, p.blob.size);
      const staged = await fetchLayer({
        repo,
        content: svc.deps.content,
        layers: svc.layers,
        lease: state.lease,
        blob: p.blob,
        diffID: p.diffID,
        stage: !p.hasSnapshot,
        onBytes: (n) => progress.add(n),
        signal,
        retry: retry && { policy: retry, id: p.id, out, signal },
      });
      if (staged) state.staged.add(staged.key);
      progress.finish();
      out(statusLine('Verifying Checksum', p.id));
      out(statusLine('Download complete', p.id));
      return staged;
    }, signal);
    task.catch(() => {});
    downloads.set(p.blob.digest, task);
  }
  return downloads;
}

/** Commits one layer under its chainID on `parent` (staged tree, else unpacked from the store). */
async function commitLayer(svc: ImageService, p: Plan, staged: StagedLayer | undefined, parent: Digest | undefined, state: PullState): Promise<number> {
  return svc.lock.run(async () => {
    await svc.layers.requireBlob(p.diffID);
    if (await svc.layers.has(p.chainID)) return staged ? staged.size : svc.layers.sizeOf(p.chainID);
    state.committed.push(p.chainID);
    if (staged) {
      state.staged.delete(staged.key);
      if (await svc.layers.commitStaged(staged, p.chainID, parent)) return staged.size;
    }
    return svc.layers.unpack(svc.deps.content.read(p.diffID), { diffID: p.diffID, chainID: p.chainID }, parent);
  });
}

/**
 * Makes every layer of `layers` (bottom first) a committed snapshot with its blob stored, and
 * returns their records. On the first failure the other downloads are aborted and awaited, then
 * the failure is thrown; what they stored is in `state`, for the caller to clean up.
 */
export async function pullLayers(
  svc: ImageService,
  repo: RepositoryClient,
  layers: PullLayer[],
  state: PullState,
  out: MessageSink,
  opts: DownloadOptions = {},
): Promise<LayerRecord[]> {
  const { signal } = opts;
  const plans = await plan(svc, layers);
  for (const p of plans) out(statusLine(p.hasBlob ? 'Already exists' : 'Pulling fs layer', p.id));
  // One failure stops the other downloads: no point finishing layers of a pull that failed.
  const stop = new AbortController();
  const downloads = startDownloads(svc, repo, plans, state, out, { ...opts, signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal });
  try {
    return await commitInOrder(svc, plans, downloads, state, out);
  } catch (err) {
    stop.abort();
    // Wait for every download to settle so nothing lands in `state` after the caller cleans up.
    await Promise.allSettled(downloads.values());
    throw err;
  }
}

async function commitInOrder(svc: ImageService, plans: Plan[], downloads: Map<Digest, Promise<StagedLayer | undefined>>, state: PullState, out: MessageSink): Promise<LayerRecord[]> {
  const known = new Map<Digest, LayerRecord>();
  for (const r of svc.store.list()) for (const l of r.layers) known.set(l.chainID, l);
  const records: LayerRecord[] = [];
  let parent: Digest | undefined;
  for (const p of plans) {
    const download = downloads.get(p.blob.digest);
    const staged = download ? await download : undefined;
    // A blob listed twice in one manifest is staged once; the second use unpacks from the store.
    const own = staged && state.staged.has(staged.key) ? staged : undefined;
    if (!p.hasBlob) out(progressMessage('Extracting', p.id, p.blob.size, p.blob.size));
    let size = known.get(p.chainID)?.size;
    if (size === undefined || !(await svc.layers.has(p.chainID))) size = await commitLayer(svc, p, own, parent, state);
    if (!p.hasBlob) out(statusLine('Pull complete', p.id));
    const blobSize = (await svc.deps.content.info(p.diffID))?.size ?? 0;
    records.push({ diffID: p.diffID, chainID: p.chainID, size, blob: layerBlob(p.diffID, blobSize) });
    parent = p.chainID;
  }
  return records;
}
