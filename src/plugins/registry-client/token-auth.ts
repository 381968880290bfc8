/**
 * The Bearer-token flow of the distribution spec's token authentication (docker/distribution's
 * auth/token): the registry's challenge names a `realm` (the token endpoint) and a `service`;
 * the client asks the realm for a token covering the scopes it needs
 * (`repository:spy/built:pull,push`, `registry:catalog:*`), sending Basic credentials — or, with
 * an identity token, an OAuth2 refresh-token grant — and uses `Authorization: Bearer <token>`
 * until the token expires. Tokens are cached per scope set.
 */
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { invalidArgument } from '../../errdefs/index.js';
import { registryErrorFromResponse, transportError } from './registry-errors.js';

/** What a client presents to a registry (from X-Registry-Auth or the CLI's config.json). */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** A refresh token from an earlier login (OAuth2 `refresh_token` grant). */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** What the token endpoint answered (docker/distribution's getTokenResponse). */
interface TokenResponse {
  token?: string;
  access_token?: string;
  expires_in?: number;
  issued_at?: string;
  refresh_token?: string;
}

/** A token is used until this many ms before it expires. */
const EXPIRY_MARGIN_MS = 5_000;
/** The spec's default lifetime when the endpoint does not say. */
const DEFAULT_EXPIRES_S = 60;
const MAX_TOKEN_RESPONSE = 1 << 20;

export interface TokenFetcherOptions {
  realm: string;
  service?: string;
  credentials?: RegistryCredentials;
  dispatcherFor(url: URL): Dispatcher;
  userAgent: string;
  /** Ask for a refresh token (login does, as `docker login` gets an IdentityToken). */
  offline?: boolean;
  now?: () => number;
}

function basicHeader(c: RegistryCredentials): string | undefined {
  if (!c.username && !c.password) return undefined;
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

/** Fetches and caches bearer tokens for one registry's token realm. */
export class TokenFetcher {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();
  /** The refresh token the realm returned, if any (login reports it as IdentityToken). */
  refreshToken?: string;

  constructor(private readonly opts: TokenFetcherOptions) {}

  /** A token for `scopes` (cached until it nearly expires). */
  async token(scopes: readonly string[]): Promise<string> {
    const key = [...new Set(scopes)].sort().join(' ');
    const now = (this.opts.now ?? Date.now)();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt - EXPIRY_MARGIN_MS > now) return hit.token;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(key === '' ? [] : key.split(' ')).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Forgets the token for `scopes` (the registry refused it). */
  invalidate(scopes: readonly string[]): void {
    this.cache.delete([...new Set(scopes)].sort().join(' '));
  }

  private async fetch(scopes: string[]): Promise<string> {
    const { realm, service, credentials: c = {} } = this.opts;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw invalidArgument(`invalid token realm ${JSON.stringify(realm)} in the registry's challenge`);
    }
    const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent };
    let method = 'GET';
    let body: string | undefined;
    if (c.identityToken) {
      // OAuth2 refresh-token grant (POST form), as docker does with a stored identity token.
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, client_id: 'docker', access_type: 'offline' });
      if (service) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      body = form.toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (c.username) url.searchParams.set('account', c.username);
      if (this.opts.offline) {
        url.searchParams.set('offline_token', 'true');
        url.searchParams.set('client_id', 'docker');
      }
      const basic = basicHeader(c);
      if (basic) headers.Authorization = basic;
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: method as Dispatcher.HttpMethod, headers, body, dispatcher: this.opts.dispatcherFor(url) });
    } catch (err) {
      throw transportError(method, url, err);
    }
    const raw = await readLimited(res.body, MAX_TOKEN_RESPONSE);
    if (res.statusCode !== 200) throw registryErrorFromResponse(res.statusCode, '', res.headers, raw);
    let doc: TokenResponse;
    try {
      doc = JSON.parse(raw.toString('utf8')) as TokenResponse;
    } catch {
      throw invalidArgument(`unable to decode token response: ${raw.toString('utf8').slice(0, 200)}`);
    }
    const token = doc.token || doc.access_token;
    if (!token) throw invalidArgument('authorization server did not include a token in the response');
    if (doc.refresh_token) this.refreshToken = doc.refresh_token;
    const issued = doc.issued_at ? Date.parse(doc.issued_at) : Number.NaN;
    const start = Number.isFinite(issued) ? issued : (this.opts.now ?? Date.now)();
    const expiresIn = doc.expires_in && doc.expires_in > 0 ? doc.expires_in : DEFAULT_EXPIRES_S;
    this.cache.set(scopes.join(' '), { token, expiresAt: start + expiresIn * 1000 });
    return token;
  }
}

/** Reads a whole (small) response body, refusing more than `limit` bytes. */
export async function readLimited(body: AsyncIterable<Buffer | Uint8Array | string>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    n += b.length;
    if (n > limit) {
      (body as { destroy?: () => void }).destroy?.();
      throw invalidArgument(`response body too large (over ${limit} bytes)`);
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}

export { basicHeader };
