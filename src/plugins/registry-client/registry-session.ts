/**
 * One conversation with one registry under one set of credentials (what a pull, a push or a
 * login uses): it pings `/v2/` to learn the scheme (HTTPS, or plain HTTP for an insecure
 * registry once HTTPS failed, as dockerd tries them) and the authentication challenge, then
 * sends requests with the right `Authorization` — Basic credentials, or a Bearer token for the
 * request's scopes — following redirects for blob reads, and turns failures into Docker-worded
 * errors (registry-errors.ts).
 */
import type { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import { WharfError } from '../../errdefs/index.js';
import { goMethod, registryErrorFromResponse, transportError } from './registry-errors.js';
import { basicHeader, readLimited, type RegistryCredentials, TokenFetcher } from './token-auth.js';
import { httpsTransportError } from './tls-sniff.js';
import { type Challenge, parseChallenges } from './www-authenticate.js';

/** What a session needs from the client that made it. */
export interface SessionEnvironment {
  /** The dispatcher for `url` (TLS verification off for insecure registries). */
  dispatcherFor(url: URL): Dispatcher;
  /** `https` and, for an insecure registry, `http` — the last one that worked first. */
  schemesFor(host: string): Promise<Array<'https' | 'http'>>;
  /** Remembers the scheme that answered for `host`. */
  rememberScheme(host: string, scheme: 'https' | 'http'): void;
  userAgent: string;
}

/** One request of a session. */
export interface RegistryRequest {
  method: Dispatcher.HttpMethod;
  /** A path (`/v2/…`) or an absolute URL (an upload Location). */
  path: string;
  /** Token scopes this request needs (`repository:a/b:pull`). */
  scopes: string[];
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Statuses that are success; any other is a RegistryError. Default: 2xx. */
  ok?: (status: number) => boolean;
  /** Follow 3xx redirects (blob GET/HEAD: registries redirect to storage). */
  followRedirects?: boolean;
  signal?: AbortSignal;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body; read it or call `dump()`. */
  body: Dispatcher.ResponseData['body'];
  url: URL;
  header(name: string): string | undefined;
}

/** `docker login`-style errors need to know the credentials were missing rather than wrong. */
export class NoCredentialsError extends WharfError {
  /** Docker's bare text (`no basic auth credentials`), as push reports it. */
  readonly bare = 'no basic auth credentials';
  constructor(method: string, url: URL) {
    super('Unauthorized', `${goMethod(method)} "${url.href}": no basic auth credentials`);
  }
}

const MAX_ERROR_BODY = 64 * 1024;
const MAX_REDIRECTS = 5;

export class RegistrySession {
  private pinged?: Promise<void>;
  private baseUrl?: URL;
  private challenge?: Challenge;
  private tokens?: TokenFetcher;

  constructor(
    /** `host[:port]` to connect to. */
    readonly host: string,
    private readonly credentials: RegistryCredentials | undefined,
    private readonly env: SessionEnvironment,
    private readonly opts: { offlineToken?: boolean } = {},
  ) {}

  /** The base URL (`http://127.0.0.1:5000`); valid after {@link ping}. */
  get base(): URL {
    if (!this.baseUrl) throw new Error('RegistrySession.base read before ping()');
    return this.baseUrl;
  }

  /** The refresh token a token realm handed out (login's IdentityToken), if any. */
  get identityToken(): string | undefined {
    return this.tokens?.refreshToken;
  }

  /** `GET /v2/` once per session: picks the scheme and learns the auth challenge. */
  ping(signal?: AbortSignal): Promise<void> {
    this.pinged ??= this.doPing(signal);
    return this.pinged;
  }

  private async doPing(signal?: AbortSignal): Promise<void> {
    let last: { url: URL; err: unknown } | undefined;
    for (const scheme of await this.env.schemesFor(this.host)) {
      const url = new URL(`${scheme}://${this.host}/v2/`);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method: 'GET', headers: { 'User-Agent': this.env.userAgent }, dispatcher: this.env.dispatcherFor(url), signal });
      } catch (err) {
        last = { url, err };
        continue;
      }
      await res.body.dump();
      this.baseUrl = new URL(`${scheme}://${this.host}`);
      this.env.rememberScheme(this.host, scheme);
      if (res.statusCode === 401) this.useChallenges(parseChallenges(res.headers['www-authenticate']));
      return;
    }
    this.pinged = undefined;
    // Worded only now: telling a plain-HTTP server apart costs a second handshake, which an
    // insecure registry answering on http after failing on https does not need.
    // schemesFor always names https, so the loop ran and failed at least once.
    throw await httpsTransportError('GET', last!.url, last!.err);
  }

  private useChallenges(challenges: Challenge[]): void {
    const c = challenges.find((x) => x.scheme === 'bearer' && x.params.realm) ?? challenges.find((x) => x.scheme === 'basic');
    if (!c) return;
    this.challenge = c;
    if (c.scheme === 'bearer') {
      this.tokens = new TokenFetcher({
        realm: c.params.realm!,
        service: c.params.service,
        credentials: this.credentials,
        dispatcherFor: (u) => this.env.dispatcherFor(u),
        userAgent: this.env.userAgent,
        offline: this.opts.offlineToken,
      });
    }
  }

  /** The Authorization header for a request needing `scopes` (undefined: none needed). */
  private async authorization(method: string, url: URL, scopes: string[]): Promise<string | undefined> {
    const c = this.credentials ?? {};
    if (c.registryToken) return `Bearer ${c.registryToken}`;
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') {
      const h = basicHeader(c);
      if (!h) throw new NoCredentialsError(method, url);
      return h;
    }
    return `Bearer ${await this.tokens!.token(scopes)}`;
  }

  /**
   * After a 401: whether sending again may help — a Bearer token expired or lacks a scope (fetch
   * a fresh one), or a registry that let `/v2/` through anonymously challenges on a repository
   * (adopt that challenge). Wrong Basic credentials never get better: no retry.
   */
  private retryAuth(header: string | string[] | undefined, scopes: string[]): boolean {
    if (this.tokens) {
      this.tokens.invalidate(scopes);
      return true;
    }
    if (this.challenge) return false;
    const fresh = parseChallenges(header);
    if (fresh.length === 0) return false;
    this.useChallenges(fresh);
    return this.challenge !== undefined;
  }

  /**
   * Sends a request. A Bearer token the registry refuses (401) is fetched anew once, when the
   * body can be sent again; redirects keep credentials only on the same origin.
   */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    await this.ping(req.signal);
    let url = new URL(req.path, this.base);
    let sameOrigin = true;
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    for (let attempt = 0, hops = 0; ; ) {
      const headers: Record<string, string> = { 'User-Agent': this.env.userAgent, ...req.headers };
      if (sameOrigin) {
        const auth = await this.authorization(req.method, url, req.scopes);
        if (auth) headers.Authorization = auth;
      }
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method: req.method, headers, body: req.body, dispatcher: this.env.dispatcherFor(url), signal: req.signal });
      } catch (err) {
        throw transportError(req.method, url, err);
      }
      const status = res.statusCode;
      if (status === 401 && attempt === 0 && replayable && sameOrigin && this.retryAuth(res.headers['www-authenticate'], req.scopes)) {
        await res.body.dump();
        attempt++;
        continue;
      }
      const location = res.headers.location;
      if (req.followRedirects && status >= 300 && status < 400 && typeof location === 'string' && hops < MAX_REDIRECTS) {
        await res.body.dump();
        const next = new URL(location, url);
        // Storage redirects carry their own (signed) credentials: never leak the registry's.
        sameOrigin = sameOrigin && next.origin === this.base.origin;
        url = next;
        hops++;
        continue;
      }
      const ok = req.ok ?? ((s: number) => s >= 200 && s < 300);
      if (!ok(status)) {
        const body = req.method === 'HEAD' ? Buffer.alloc(0) : await readLimited(res.body, MAX_ERROR_BODY).catch(() => Buffer.alloc(0));
        if (req.method === 'HEAD') await res.body.dump();
        throw registryErrorFromResponse(status, statusText(status), res.headers, body);
      }
      const h = res.headers;
      return { status, headers: h, body: res.body, url, header: (n) => firstHeader(h[n.toLowerCase()]) };
    }
  }
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Go's http.StatusText for the statuses registries send. */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? '';
}
