/**
 * The distribution use cases behind the Engine API — pull, push, login, search — with no HTTP in
 * them: requests arrive as parsed values plus the raw `X-Registry-Auth` header, progress leaves
 * through a message sink.
 */
import path from 'node:path';
import { invalidArgument } from '../../errdefs/index.js';
import { isDigest } from '../../lib/digest.js';
import type { RegistryClient } from '../../plugins/registry-client/registry-client.js';
import { familiarName, type NamedReference, parseNormalizedNamed, withDigest, withTag } from '../../spec/reference.js';
import type { ImageService } from '../images/image-service.js';
import { DistributionMetadata } from './distribution-metadata.js';
import { type LoginResult, login } from './login.js';
import { parsePlatform } from './manifest-resolve.js';
import type { MessageSink } from './progress.js';
import type { Limiter } from './limiter.js';
import { DOCKER_RETRY, type RetryPolicy } from './retry.js';
import { translatePullError } from './pull-errors.js';
import { pullImage, pullStatus } from './puller.js';
import { pushImage } from './pusher.js';
import { type AuthConfigWire, credentialsFrom, decodeRegistryAuth } from './registry-auth-header.js';
import { type SearchResult, searchImages } from './search.js';
import { DEFAULT_TRANSFER_LIMITS, downloadRetryPolicy, type TransferLimits, transferLimiter, validateTransferLimits } from './transfer-limits.js';

export interface DistributionServiceDeps {
  images: ImageService;
  registry: RegistryClient;
  metadata: DistributionMetadata;
  /** Retries of layer downloads (dockerd's `--max-download-attempts`, default 5 attempts); none when absent. */
  downloadRetry?: RetryPolicy;
  /** Retries of layer uploads (dockerd's: 5 attempts); none when absent. */
  uploadRetry?: RetryPolicy;
  /** The daemon's download slots (`--max-concurrent-downloads`); 3 per pull when absent. */
  downloads?: Limiter;
  /** The daemon's upload slots (`--max-concurrent-uploads`); 5 per push when absent. */
  uploads?: Limiter;
}

/** What {@link DistributionService.open} builds the service from. */
export interface DistributionServiceOptions {
  images: ImageService;
  registry: RegistryClient;
  /** `<data-root>/distribution`: the layer-source metadata file lives here. */
  root: string;
  /** dockerd's transfer flags; its defaults when absent. */
  transfers?: TransferLimits;
}

export interface PullParams {
  fromImage: string;
  /** A tag or a digest; empty with a name-only `fromImage` pulls every tag. */
  tag?: string;
  /** `os[/arch[/variant]]`. */
  platform?: string;
  registryAuth?: string | string[];
  signal?: AbortSignal;
}

export interface PushParams {
  name: string;
  tag?: string;
  registryAuth?: string | string[];
}

export interface SearchParams {
  term: string;
  limit?: number;
  filters?: Map<string, string[]>;
  registryAuth?: string | string[];
}

/** dockerd's reading of `fromImage` + `tag`: the tag may be a digest. */
export function pullReference(fromImage: string, tag: string | undefined): NamedReference {
  let ref = parseNormalizedNamed(fromImage);
  if (tag) ref = isDigest(tag) ? withDigest(ref, tag) : withTag(ref, tag);
  return ref;
}

export class DistributionService {
  constructor(private readonly deps: DistributionServiceDeps) {}

  /**
   * Builds the service with its metadata file under `root`, and the daemon-wide transfer slots
   * and download retries from `transfers`. @throws InvalidArgument for limits dockerd refuses.
   */
  static async open(opts: DistributionServiceOptions): Promise<DistributionService> {
    const transfers = opts.transfers ?? DEFAULT_TRANSFER_LIMITS;
    validateTransferLimits(transfers);
    const metadata = await DistributionMetadata.open(path.join(opts.root, 'v2-metadata.json'));
    return new DistributionService({
      images: opts.images,
      registry: opts.registry,
      metadata,
      downloadRetry: downloadRetryPolicy(transfers.maxDownloadAttempts),
      // dockerd has no flag for upload attempts: always five.
      uploadRetry: DOCKER_RETRY,
      downloads: transferLimiter(transfers.maxConcurrentDownloads),
      uploads: transferLimiter(transfers.maxConcurrentUploads),
    });
  }

  async pull(p: PullParams, out: MessageSink): Promise<void> {
    const ref = pullReference(p.fromImage, p.tag);
    const credentials = credentialsFrom(decodeRegistryAuth(p.registryAuth));
    const platform = parsePlatform(p.platform);
    if (ref.tag !== undefined || ref.digest !== undefined) {
      out(pullStatus(ref, await pullImage(this.deps, { ref, credentials, platform, signal: p.signal }, out)));
      return;
    }
    // `docker pull --all-tags`: every tag the repository lists.
    const tags = await this.deps.registry
      .repository(ref.domain, ref.path, credentials)
      .tags()
      .catch((err) => {
        throw translatePullError(err, ref);
      });
    if (tags.length === 0) throw invalidArgument(`no tags available for ${familiarName(ref)}`);
    let updated = false;
    for (const t of tags.sort()) updated = (await pullImage(this.deps, { ref: withTag(ref, t), credentials, platform, signal: p.signal }, out)) || updated;
    out(pullStatus(ref, updated));
  }

  push(p: PushParams, out: MessageSink): Promise<void> {
    const credentials = credentialsFrom(decodeRegistryAuth(p.registryAuth));
    return pushImage(this.deps, { name: p.name, tag: p.tag, credentials }, out);
  }

  login(body: AuthConfigWire): Promise<LoginResult> {
    return login(this.deps.registry, body);
  }

  search(p: SearchParams): Promise<SearchResult[]> {
    const credentials = credentialsFrom(decodeRegistryAuth(p.registryAuth));
    return searchImages(this.deps.registry, { term: p.term, limit: p.limit, filters: p.filters, credentials });
  }
}
