/**
 * `POST /images/{name}/push?tag=`: uploads an image's layers the registry lacks (layer-push.ts,
 * five at a time like dockerd), its config, then a schema2 manifest under the tag, and records
 * the RepoDigest `name@<manifest digest>`. Without a tag every tag of the repository is pushed.
 *
 * The stream opens with `The push refers to repository [name]`; everything after that (a
 * missing tag, missing credentials) is an error line in the 200 stream, as with dockerd.
 */
import type { ImageRecord } from '../../core/images/image-store.js';
import { invalidArgument, notFound, unauthorized } from '../../errdefs/index.js';
import { sha256, shortId } from '../../lib/digest.js';
import type { RegistryClient } from '../../plugins/registry-client/registry-client.js';
import { NoCredentialsError } from '../../plugins/registry-client/registry-session.js';
import type { RepositoryClient } from '../../plugins/registry-client/repository-client.js';
import type { RegistryCredentials } from '../../plugins/registry-client/token-auth.js';
import type { Descriptor } from '../../spec/oci/image.js';
import { MediaType } from '../../spec/oci/media-types.js';
import { familiarName, familiarString, type NamedReference, parseNormalizedNamed, repositoryName, withDigest, withTag } from '../../spec/reference.js';
import type { ImageService } from '../images/image-service.js';
import type { DistributionMetadata } from './distribution-metadata.js';
import { pushLayer } from './layer-push.js';
import { Limiter } from './limiter.js';
import { type MessageSink, statusLine } from './progress.js';
import { type RetryPolicy, withRetry } from './retry.js';
import { schema2Manifest } from './push-manifest.js';
import { DEFAULT_TRANSFER_LIMITS } from './transfer-limits.js';

export interface PushDeps {
  images: ImageService;
  registry: RegistryClient;
  metadata: DistributionMetadata;
  /** Retries of layer uploads (each attempt starts the layer over, as dockerd's); none when absent. */
  uploadRetry?: RetryPolicy;
  /** The daemon-wide upload slots (`--max-concurrent-uploads`); a private pool of 5 when absent. */
  uploads?: Limiter;
}

export interface PushRequest {
  /** The image name from the path (`127.0.0.1:5000/spy/built`, possibly with a tag). */
  name: string;
  /** The `tag` query parameter; empty pushes every tag of the repository. */
  tag?: string;
  credentials?: RegistryCredentials;
}

/** The tags to push, with their images (dockerd's checks and wording). */
function associations(svc: ImageService, ref: NamedReference): Array<{ ref: NamedReference; id: ImageRecord['id'] }> {
  const repo = repositoryName(ref);
  const all = svc.store.allRefs().filter((a) => a.ref.tag !== undefined && repositoryName(a.ref) === repo);
  if (all.length === 0) throw notFound(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  if (ref.tag === undefined) return all.sort((a, b) => (a.ref.tag! < b.ref.tag! ? -1 : 1));
  const id = svc.store.lookupRef(ref);
  if (!id) throw notFound(`tag does not exist: ${familiarString(ref)}`);
  return [{ ref, id }];
}

/** Uploads the config blob unless the repository has it. */
async function pushConfig(svc: ImageService, repo: RepositoryClient, record: ImageRecord): Promise<Descriptor> {
  const bytes = await svc.deps.content.readBytes(record.id);
  const d: Descriptor = { mediaType: MediaType.dockerConfig, digest: sha256(bytes), size: bytes.length };
  if (!(await repo.statBlob(d.digest))) {
    const upload = await repo.startUpload();
    await upload.complete(d.digest, bytes);
  }
  return d;
}

/** Pushes every layer (top first in the messages, as dockerd lists them); throws the first failure. */
async function pushLayers(deps: PushDeps, repo: RepositoryClient, ref: NamedReference, record: ImageRecord, out: MessageSink): Promise<Descriptor[]> {
  const topFirst = [...record.layers].reverse();
  for (const l of topFirst) out(statusLine('Preparing', shortId(l.diffID)));
  const limiter = deps.uploads ?? new Limiter(DEFAULT_TRANSFER_LIMITS.maxConcurrentUploads);
  const common = { repo, repository: repositoryName(ref), domain: ref.domain, content: deps.images.deps.content, metadata: deps.metadata, out };
  // One upload per distinct layer: an image may list the same layer twice.
  const jobs = new Map<string, Promise<Descriptor>>();
  for (const l of topFirst) {
    if (jobs.has(l.diffID)) continue;
    if (limiter.saturated) out(statusLine('Waiting', shortId(l.diffID)));
    const once = () => pushLayer({ ...common, layer: l });
    const policy = deps.uploadRetry;
    const job = limiter.run(policy ? () => withRetry({ policy, id: shortId(l.diffID), out }, once) : once);
    job.catch(() => {});
    jobs.set(l.diffID, job);
  }
  const settled = await Promise.allSettled(jobs.values());
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return Promise.all(record.layers.map((l) => jobs.get(l.diffID)!));
}

async function pushTag(deps: PushDeps, repo: RepositoryClient, ref: NamedReference, id: ImageRecord['id'], out: MessageSink): Promise<void> {
  const svc = deps.images;
  const record = svc.store.get(id);
  if (!record) throw notFound(`tag does not exist: ${familiarString(ref)}`);
  const layers = await pushLayers(deps, repo, ref, record, out);
  const config = await pushConfig(svc, repo, record);
  const manifest = schema2Manifest(config, layers);
  const digest = await repo.putManifest(ref.tag!, manifest, MediaType.dockerManifest);
  out({ status: `${ref.tag}: digest: ${digest} size: ${manifest.length}` });
  out({ progressDetail: {}, aux: { Tag: ref.tag, Digest: digest, Size: manifest.length } });
  await svc.lock.run(async () => {
    if (svc.store.get(id)) await svc.store.addRef(withDigest(ref, digest), id, false);
  });
  const name = familiarString(ref);
  svc.deps.events.publish('image', 'push', { ID: name, Attributes: { ...(record.labels ?? {}), name } });
}

/** Pushes `req.name[:req.tag]` (see the module comment). */
export async function pushImage(deps: PushDeps, req: PushRequest, out: MessageSink): Promise<void> {
  let ref = parseNormalizedNamed(req.name);
  if (ref.digest) throw invalidArgument('cannot push a digest reference');
  if (req.tag) ref = withTag(ref, req.tag);
  out({ status: `The push refers to repository [${repositoryName(ref)}]` });
  const tags = associations(deps.images, ref);
  const repo = deps.registry.repository(ref.domain, ref.path, req.credentials, 'push');
  try {
    await repo.session.ping();
    for (const a of tags) await pushTag(deps, repo, a.ref, a.id, out);
  } catch (err) {
    // dockerd reports a missing credential bare on push (its retry logic unwraps url.Error).
    if (err instanceof NoCredentialsError) throw unauthorized(err.bare, { cause: err });
    throw err;
  }
}
