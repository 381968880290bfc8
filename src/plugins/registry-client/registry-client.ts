/**
 * The distribution client the daemon holds: HTTP dispatchers (undici, pinned to the Node-20
 * line), the insecure-registry policy, and per-host scheme memory. Pulls, pushes and logins ask
 * it for a {@link RegistrySession} per registry and credentials.
 *
 * Why undici rather than node:http: its `request` is stream-first (a blob body is a Readable to
 * pipe, an upload body a Buffer or stream), it pools keep-alive connections per origin, and it
 * has connect/headers/body timeouts built in, so a registry that vanishes or stalls fails a
 * pull quickly instead of hanging it — with node:http each of those is hand-written timer code.
 */
import { Agent, type Dispatcher, request } from 'undici';
import { WHARF_VERSION } from '../../lib/version.js';
import { type HostResolver, InsecureRegistries } from './insecure-registries.js';
import { registryHost } from './registry-endpoint.js';
import { registryErrorFromResponse, transportError } from './registry-errors.js';
import { RegistrySession, type SessionEnvironment, statusText } from './registry-session.js';
import { RepositoryClient } from './repository-client.js';
import { readLimited, type RegistryCredentials } from './token-auth.js';

/** Docker Hub's v1 search endpoint (registries speaking only v2 have no search). */
export const DOCKER_HUB_SEARCH = 'https://index.docker.io/v1/search';

/** A v1 search result as Docker Hub returns it. */
export interface IndexSearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

export interface RegistryClientOptions {
  /** `--insecure-registry` entries (loopback is always insecure). */
  insecureRegistries?: readonly string[];
  /** How registry host names are looked up for the insecure decision (default: getaddrinfo). */
  resolveHost?: HostResolver;
  /** Time to establish a connection (DNS + TCP + TLS). Default 15 s. */
  connectTimeoutMs?: number;
  /** Time to wait for response headers, and for each body chunk. Default 60 s. */
  idleTimeoutMs?: number;
  userAgent?: string;
}

export class RegistryClient {
  readonly insecure: InsecureRegistries;
  private readonly secureAgent: Agent;
  private readonly insecureAgent: Agent;
  private readonly schemes = new Map<string, 'https' | 'http'>();
  private readonly env: SessionEnvironment;

  constructor(opts: RegistryClientOptions = {}) {
    this.insecure = new InsecureRegistries(opts.insecureRegistries, opts.resolveHost);
    const idle = opts.idleTimeoutMs ?? 60_000;
    const common = { headersTimeout: idle, bodyTimeout: idle, keepAliveTimeout: 30_000 };
    const timeout = opts.connectTimeoutMs ?? 15_000;
    this.secureAgent = new Agent({ ...common, connect: { timeout } });
    // Insecure registries: TLS is tried first, without certificate verification (dockerd's rule).
    this.insecureAgent = new Agent({ ...common, connect: { timeout, rejectUnauthorized: false } });
    const userAgent = opts.userAgent ?? `wharf/${WHARF_VERSION} (linux)`;
    this.env = {
      userAgent,
      dispatcherFor: (url: URL): Dispatcher => (this.insecure.isInsecure(url.host) ? this.insecureAgent : this.secureAgent),
      // The ping asks first, so the host is resolved (dockerd's loopback rule) before any request
      // of the session picks its dispatcher with the synchronous isInsecure.
      schemesFor: async (host: string) => {
        if (!(await this.insecure.check(host))) return ['https'];
        return this.schemes.get(host) === 'http' ? ['http', 'https'] : ['https', 'http'];
      },
      rememberScheme: (host, scheme) => this.schemes.set(host, scheme),
    };
  }

  /** A session with the registry of a reference's `domain` (`docker.io` → Docker Hub's host). */
  session(domain: string, credentials?: RegistryCredentials, opts: { offlineToken?: boolean } = {}): RegistrySession {
    return new RegistrySession(registryHost(domain), credentials, this.env, opts);
  }

  /** A client for repository `path` (`spy/built`) on the registry of `domain`. */
  repository(domain: string, path: string, credentials?: RegistryCredentials, mode: 'pull' | 'push' = 'pull'): RepositoryClient {
    return new RepositoryClient(this.session(domain, credentials), path, mode);
  }

  /** Docker Hub's `GET /v1/search?q=&n=`. */
  async searchIndex(term: string, limit: number): Promise<IndexSearchResult[]> {
    const url = new URL(DOCKER_HUB_SEARCH);
    url.searchParams.set('q', term);
    url.searchParams.set('n', String(limit));
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'GET', headers: { 'User-Agent': this.env.userAgent }, dispatcher: this.secureAgent });
    } catch (err) {
      throw transportError('GET', url, err);
    }
    const body = await readLimited(res.body, 16 << 20);
    if (res.statusCode !== 200) throw registryErrorFromResponse(res.statusCode, statusText(res.statusCode), res.headers, body);
    const doc = JSON.parse(body.toString('utf8')) as { results?: Partial<IndexSearchResult>[] };
    return (doc.results ?? []).map((r) => ({
      name: String(r.name ?? ''),
      description: String(r.description ?? ''),
      star_count: Number(r.star_count ?? 0),
      is_official: Boolean(r.is_official),
      is_automated: Boolean(r.is_automated),
    }));
  }

  async close(): Promise<void> {
    await Promise.all([this.secureAgent.close(), this.insecureAgent.close()]);
  }
}
