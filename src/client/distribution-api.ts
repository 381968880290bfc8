import type { IncomingMessage } from 'node:http';
import { type ApiCaller, filtersParam, pathName } from './api-caller.js';

/** `POST /auth` answer. */
export interface AuthResponse {
  Status: string;
  IdentityToken?: string;
}

/** One `GET /images/search` result. */
export interface ImageSearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

export interface ImagePushOptions {
  /** The tag to push; omitted pushes every tag of the repository (`--all-tags`). */
  tag?: string;
  /** base64url JSON credentials; docker sends `e30=` (`{}`) when it has none. */
  registryAuth?: string;
}

/**
 * The registry endpoints besides pull (ImagePullApi): push, login (`POST /auth`) and search.
 */
export class DistributionApi {
  constructor(private readonly api: ApiCaller) {}

  /** `POST /images/{name}/push?tag=`: the JSON-message progress stream (name unescaped, as docker sends it). */
  push(name: string, opts: ImagePushOptions = {}): Promise<IncomingMessage> {
    return this.api.call('POST', `/images/${pathName(name)}/push`, {
      query: { tag: opts.tag },
      headers: { 'X-Registry-Auth': opts.registryAuth ?? 'e30=' },
    });
  }

  /** `POST /auth` with `{"username","password","serveraddress"}`. */
  login(body: { username?: string; password?: string; serveraddress?: string; identitytoken?: string }): Promise<AuthResponse> {
    return this.api.callJSON<AuthResponse>('POST', '/auth', { json: body });
  }

  /** `GET /images/search?term=&limit=&filters=`. */
  search(term: string, opts: { limit?: number; filters?: Record<string, string[]>; registryAuth?: string } = {}): Promise<ImageSearchResult[]> {
    return this.api.callJSON<ImageSearchResult[]>('GET', '/images/search', {
      query: { term, limit: opts.limit && opts.limit > 0 ? String(opts.limit) : undefined, filters: filtersParam(opts.filters) },
      headers: { 'X-Registry-Auth': opts.registryAuth ?? 'e30=' },
    });
  }
}
