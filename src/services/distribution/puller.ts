/**
 * `POST /images/create?fromImage=`: pulls an image from its registry.
 *
 * Order of work (dockerd's): resolve the reference to a manifest — every failure up to here is a
 * plain HTTP error, since nothing was streamed yet —, then `Pulling from <path>`, the config
 * (verified against its digest), the layers (pull-layers.ts), and finally the image record with
 * its tag and its RepoDigest `name@<manifest digest>`, `Digest:` and `Status:` lines.
 *
 * A failed pull leaves nothing behind: its staged snapshots, the snapshots it committed and the
 * blobs it stored are removed unless an image uses them; a retry starts clean.
 */
import type { LayerRecord } from '../../core/images/image-store.js';
import { invalidArgument } from '../../errdefs/index.js';
import type { RegistryClient } from '../../plugins/registry-client/registry-client.js';
import type { RepositoryClient } from '../../plugins/registry-client/repository-client.js';
import type { RegistryCredentials } from '../../plugins/registry-client/token-auth.js';
import type { JSONMessage } from '../../spec/engine/types.js';
import type { ImageConfigFile, Platform } from '../../spec/oci/image.js';
import { chainIDs } from '../../spec/oci/chain-id.js';
import { familiarString, type NamedReference, repositoryName, withDigest } from '../../spec/reference.js';
import { parseImageConfig, storeImageBlobs } from '../images/image-records.js';
import type { ImageService } from '../images/image-service.js';
import type { DistributionMetadata } from './distribution-metadata.js';
import { type ResolvedManifest, resolveManifest } from './manifest-resolve.js';
import type { MessageSink } from './progress.js';
import type { Limiter } from './limiter.js';
import type { RetryPolicy } from './retry.js';
import { type PullLayer, type PullState, pullLayers } from './pull-layers.js';
import { translatePullError } from './pull-errors.js';

/** Image configs are small JSON documents; refuse absurd ones (dockerd allows 8 MiB). */
const MAX_CONFIG_BYTES = 8 << 20;

export interface PullDeps {
  images: ImageService;
  registry: RegistryClient;
  metadata: DistributionMetadata;
  /** Retries of layer downloads; none when absent. */
  downloadRetry?: RetryPolicy;
  /** The daemon-wide download slots (`--max-concurrent-downloads`). */
  downloads?: Limiter;
}

export interface PullRequest {
  /** Normalised reference with a tag or a digest. */
  ref: NamedReference;
  credentials?: RegistryCredentials;
  platform: Platform;
  signal?: AbortSignal;
}

async function fetchConfig(repo: RepositoryClient, resolved: ResolvedManifest, platform: Platform, signal?: AbortSignal): Promise<{ bytes: Buffer; config: ImageConfigFile }> {
  const bytes = await repo.fetchBlobBytes(resolved.manifest.config.digest, MAX_CONFIG_BYTES, 'image config', signal);
  const config = parseImageConfig(bytes);
  if (config.os && config.os !== platform.os) throw invalidArgument(`image operating system "${config.os}" cannot be used on this platform`);
  if (config.rootfs.diff_ids.length !== resolved.manifest.layers.length) throw invalidArgument("layers from manifest don't match image configuration");
  return { bytes, config };
}

/** Removes what a failed pull made (staged and committed snapshots, stored blobs) that no image uses. */
async function cleanup(svc: ImageService, state: PullState): Promise<void> {
  for (const key of state.staged) await svc.layers.discard(key);
  await svc.discardUnreferenced(state.committed, state.lease);
}

/** The references a pull points at its image: the RepoDigest, and the tag when pulled by tag. */
function pulledRefs(req: PullRequest, resolved: ResolvedManifest): { refs: NamedReference[]; tag?: NamedReference } {
  const tag = req.ref.digest ? undefined : req.ref;
  return { refs: [withDigest(req.ref, resolved.digest), ...(tag ? [tag] : [])], tag };
}

function pullEvent(svc: ImageService, req: PullRequest, labels: Record<string, string> | null): void {
  const name = familiarString(req.ref);
  svc.deps.events.publish('image', 'pull', { ID: name, Attributes: { ...(labels ?? {}), name } });
}

/** Stores the config, records the image, points the tag and the RepoDigest at it. True when a reference moved. */
async function recordImage(svc: ImageService, req: PullRequest, resolved: ResolvedManifest, cfg: { bytes: Buffer; config: ImageConfigFile }, layers: LayerRecord[]): Promise<boolean> {
  return svc.lock.run(async () => {
    for (const l of layers) {
      await svc.layers.requireBlob(l.diffID);
      if (!(await svc.layers.has(l.chainID))) throw invalidArgument(`layer ${l.chainID} was removed while the image was being pulled; try again`);
    }
    const record = await storeImageBlobs(svc.deps.content, { configBytes: cfg.bytes, config: cfg.config, layers });
    const { refs, tag } = pulledRefs(req, resolved);
    const before = tag ? svc.store.lookupRef(tag) : svc.store.get(record.id)?.id;
    // dockerd's pull does not touch LastTagTime.
    await svc.commitImage(record, refs, false);
    pullEvent(svc, req, record.labels);
    return before !== record.id;
  });
}

/**
 * dockerd skips everything when the image (its config digest) is already here: only the tag and
 * RepoDigest are set. Returns undefined when the image is not here.
 */
async function tagExisting(deps: PullDeps, req: PullRequest, resolved: ResolvedManifest): Promise<boolean | undefined> {
  const svc = deps.images;
  const result = await svc.lock.run(async () => {
    const record = svc.store.get(resolved.manifest.config.digest);
    if (!record) return undefined;
    const { refs, tag } = pulledRefs(req, resolved);
    const before = tag ? svc.store.lookupRef(tag) : record.id;
    for (const r of refs) await svc.store.addRef(r, record.id, false);
    pullEvent(svc, req, record.labels);
    return { updated: before !== record.id, layers: record.layers };
  });
  if (!result) return undefined;
  const blobs = resolved.manifest.layers;
  if (blobs.length === result.layers.length) {
    await rememberSources(
      deps.metadata,
      req,
      blobs.map((blob, i) => ({ blob, diffID: result.layers[i]!.diffID, chainID: result.layers[i]!.chainID })),
    );
  }
  return result.updated;
}

/** Remembers which compressed blob of which repository holds each layer (for later pushes). */
async function rememberSources(metadata: DistributionMetadata, req: PullRequest, layers: PullLayer[]): Promise<void> {
  const repository = repositoryName(req.ref);
  for (const l of layers) await metadata.add(l.diffID, { digest: l.blob.digest, mediaType: l.blob.mediaType, size: l.blob.size, repository });
}

/**
 * Pulls `req.ref` (up to its `Digest:` line; the caller writes {@link pullStatus}). Throws before
 * the first message for resolution failures (unknown repository or tag, auth, unreachable
 * registry); later failures are thrown after messages went out. True when a reference moved.
 */
export async function pullImage(deps: PullDeps, req: PullRequest, out: MessageSink): Promise<boolean> {
  const repo = deps.registry.repository(req.ref.domain, req.ref.path, req.credentials);
  const reference = req.ref.digest ?? req.ref.tag ?? 'latest';
  let resolved: ResolvedManifest;
  try {
    resolved = await resolveManifest(repo, reference, req.platform, req.signal);
  } catch (err) {
    throw translatePullError(err, req.ref);
  }
  out({ status: `Pulling from ${req.ref.path}`, id: reference });
  const updated = (await tagExisting(deps, req, resolved)) ?? (await pullNew(deps, repo, req, resolved, out));
  out({ status: `Digest: ${resolved.digest}` });
  return updated;
}

/** dockerd's writeStatus, once per pulled reference (a repository for `--all-tags`). */
export function pullStatus(ref: NamedReference, updated: boolean): JSONMessage {
  return { status: `Status: ${updated ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}` };
}

/** Fetches the config and the missing layers, then records the image. */
async function pullNew(deps: PullDeps, repo: RepositoryClient, req: PullRequest, resolved: ResolvedManifest, out: MessageSink): Promise<boolean> {
  const svc = deps.images;
  const cfg = await fetchConfig(repo, resolved, req.platform, req.signal);
  const chains = chainIDs(cfg.config.rootfs.diff_ids);
  const layers: PullLayer[] = resolved.manifest.layers.map((blob, i) => ({ blob, diffID: cfg.config.rootfs.diff_ids[i]!, chainID: chains[i]! }));
  const state: PullState = { lease: svc.leases.lease(), committed: [], staged: new Set() };
  let updated: boolean;
  try {
    const records = await pullLayers(svc, repo, layers, state, out, { signal: req.signal, retry: deps.downloadRetry, slots: deps.downloads });
    updated = await recordImage(svc, req, resolved, cfg, records);
    state.committed = [];
  } finally {
    await cleanup(svc, state);
  }
  await rememberSources(deps.metadata, req, layers);
  return updated;
}
