import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type {
  HistoryResponseItem,
  ImageDeleteResponseItem,
  ImageInspect,
  ImagePruneResponse,
  ImageSummary,
} from '../spec/engine/types.js';
import { type ApiCaller, filtersParam, pathName } from './api-caller.js';

export interface ImageListOptions {
  all?: boolean;
  filters?: Record<string, string[]>;
  digests?: boolean;
  sharedSize?: boolean;
}

export interface ImageImportOptions {
  /** Target repository (may include a tag: `repo:tag`, as the docker CLI sends it). */
  repo?: string;
  tag?: string;
  /** Dockerfile instructions applied to the config (`-c/--change`). */
  changes?: string[];
  message?: string;
  platform?: string;
  /** `-` (the default) when the tar is the request body, or a URL for the daemon to fetch. */
  fromSrc?: string;
}

/** The image endpoints (`/images/…`). Streaming calls return the response to read or pipe. */
export class ImagesApi {
  constructor(private readonly api: ApiCaller) {}

  /** `GET /images/json`. */
  list(opts: ImageListOptions = {}): Promise<ImageSummary[]> {
    const query = {
      all: opts.all,
      filters: filtersParam(opts.filters),
      digests: opts.digests,
      'shared-size': opts.sharedSize,
    };
    return this.api.callJSON('GET', '/images/json', { query });
  }

  /** `GET /images/{name}/json`. */
  inspect(name: string): Promise<ImageInspect> {
    return this.api.callJSON('GET', `/images/${pathName(name)}/json`);
  }

  /** `GET /images/{name}/history`. */
  history(name: string): Promise<HistoryResponseItem[]> {
    return this.api.callJSON('GET', `/images/${pathName(name)}/history`);
  }

  /** `POST /images/{name}/tag?repo=&tag=` (repo normalized by the caller, as the CLI does). */
  tag(source: string, repo: string, tag?: string): Promise<void> {
    return this.api.callNoContent('POST', `/images/${pathName(source)}/tag`, { query: { repo, tag } });
  }

  /** `DELETE /images/{name}`. */
  remove(name: string, opts: { force?: boolean; noPrune?: boolean } = {}): Promise<ImageDeleteResponseItem[]> {
    return this.api.callJSON('DELETE', `/images/${pathName(name)}`, { query: { force: opts.force, noprune: opts.noPrune } });
  }

  /** `POST /images/prune`. */
  prune(filters?: Record<string, string[]>): Promise<ImagePruneResponse> {
    return this.api.callJSON('POST', '/images/prune', { query: { filters: filtersParam(filters) } });
  }

  /**
   * `POST /images/create?fromSrc=-` with the tar as a chunked body: a JSON-message stream whose
   * `status` is the new image ID.
   */
  import(source: Readable | Buffer | undefined, opts: ImageImportOptions = {}): Promise<IncomingMessage> {
    const query = {
      fromSrc: opts.fromSrc ?? '-',
      repo: opts.repo,
      tag: opts.tag,
      message: opts.message,
      changes: opts.changes,
      platform: opts.platform,
    };
    return this.api.call('POST', '/images/create', { query, body: source, headers: { 'Content-Type': 'text/plain' } });
  }

  /** `POST /images/load` with an image tarball: a JSON-message stream. */
  load(tar: Readable | Buffer, opts: { quiet?: boolean } = {}): Promise<IncomingMessage> {
    return this.api.call('POST', '/images/load', {
      query: { quiet: opts.quiet ? '1' : '0' },
      body: tar,
      headers: { 'Content-Type': 'application/x-tar' },
    });
  }

  /** `GET /images/get?names=…`: the `docker save` tarball as a stream. */
  save(names: string[]): Promise<IncomingMessage> {
    return this.api.call('GET', '/images/get', { query: { names } });
  }
}
