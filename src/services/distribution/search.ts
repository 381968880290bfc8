/**
 * `GET /images/search?term=`: for a private registry (`127.0.0.1:5000/spy`) the repositories of
 * its `/v2/_catalog` whose name contains the rest of the term — registries speaking the v2 API
 * have no search endpoint, the catalog is what they offer; for Docker Hub its v1 search API, as
 * dockerd does. Results are Docker's search result shape, filtered (`stars`, `is-official`,
 * `is-automated`) and cut at `limit` (1–100, default 25).
 */
import { invalidArgument } from '../../errdefs/index.js';
import { unprompted } from './pull-errors.js';
import type { RegistryClient } from '../../plugins/registry-client/registry-client.js';
import { listCatalog } from '../../plugins/registry-client/repository-client.js';
import type { RegistryCredentials } from '../../plugins/registry-client/token-auth.js';
import { DEFAULT_DOMAIN } from '../../spec/reference.js';

/** One search result (the Engine API's ImageSearchResponseItem). */
export interface SearchResult {
  description: string;
  is_official: boolean;
  is_automated: boolean;
  name: string;
  star_count: number;
}

export interface SearchRequest {
  term: string;
  limit?: number;
  filters?: Map<string, string[]>;
  credentials?: RegistryCredentials;
}

/** dockerd's splitReposSearchTerm: `host/rest` names a registry when `host` looks like one. */
export function splitSearchTerm(term: string): { domain: string; remainder: string } {
  const i = term.indexOf('/');
  const first = i < 0 ? '' : term.slice(0, i);
  if (i < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost')) return { domain: DEFAULT_DOMAIN, remainder: term };
  return { domain: first, remainder: term.slice(i + 1) };
}

interface SearchFilters {
  stars: number;
  official?: boolean;
  automated?: boolean;
}

function parseBool(key: string, v: string): boolean {
  const s = v.toLowerCase();
  if (['1', 't', 'true'].includes(s)) return true;
  if (['0', 'f', 'false'].includes(s)) return false;
  throw invalidArgument(`Invalid filter '${key}=${v}'`);
}

function parseFilters(filters: Map<string, string[]> | undefined): SearchFilters {
  const out: SearchFilters = { stars: 0 };
  for (const [key, values] of filters ?? []) {
    for (const v of values) {
      if (key === 'stars') {
        const n = Number(v);
        if (!Number.isInteger(n)) throw invalidArgument(`Invalid filter 'stars=${v}'`);
        out.stars = Math.max(out.stars, n);
      } else if (key === 'is-official') out.official = parseBool(key, v);
      else if (key === 'is-automated') out.automated = parseBool(key, v);
      else throw invalidArgument(`invalid filter '${key}'`);
    }
  }
  return out;
}

export async function searchImages(registry: RegistryClient, req: SearchRequest): Promise<SearchResult[]> {
  const limit = req.limit ?? 25;
  if (limit < 1 || limit > 100) throw invalidArgument(`limit ${limit} is outside the range of [1, 100]`);
  const f = parseFilters(req.filters);
  const { domain, remainder } = splitSearchTerm(req.term);
  let results: SearchResult[];
  if (domain === DEFAULT_DOMAIN) {
    results = await registry.searchIndex(remainder, limit);
  } else {
    const session = registry.session(domain, req.credentials);
    const needle = remainder.toLowerCase();
    const catalog = await listCatalog(session).catch((err) => {
      throw unprompted(err);
    });
    const names = catalog.filter((n) => n.toLowerCase().includes(needle)).sort();
    results = names.map((n) => ({ description: '', is_official: false, is_automated: false, name: `${domain}/${n}`, star_count: 0 }));
  }
  return results
    .filter((r) => r.star_count >= f.stars && (f.official === undefined || r.is_official === f.official) && (f.automated === undefined || r.is_automated === f.automated))
    .slice(0, limit);
}
