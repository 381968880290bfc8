/**
 * The typed Engine API client: the only way the CLI (and compose, and the web UI) reach a
 * daemon. It negotiates the API version like the docker CLI (an unversioned `HEAD /_ping` first,
 * then min(ours, the daemon's `Api-Version`) as the `/vX.Y` prefix of every call), turns error
 * statuses into DaemonErrors, and groups the endpoints by resource.
 */
import type { IncomingMessage } from 'node:http';
import { compareApiVersions } from '../spec/engine/api-version.js';
import type { ApiCaller, CallOptions } from './api-caller.js';
import { daemonErrorFromBody } from './daemon-error.js';
import { type DaemonHost, parseDaemonHost, resolveDaemonHost } from './daemon-host.js';
import { type HijackedConnection, HttpTransport, readBody } from './http-transport.js';
import { ContainerArchiveApi } from './container-archive-api.js';
import { ContainersApi } from './containers-api.js';
import { EventsApi } from './events-api.js';
import { ExecApi } from './exec-api.js';
import { ImagePullApi } from './image-pull-api.js';
import { DistributionApi } from './distribution-api.js';
import { ImagesApi } from './images-api.js';
import { ObjectsApi, SystemApi } from './system-api.js';

/** The newest API version this client speaks. */
export const CLIENT_API_VERSION = '1.41';
/** What the docker client assumes when a daemon sends no Api-Version header. */
const FALLBACK_API_VERSION = '1.24';

export interface EngineClientOptions {
  /** Daemon address (`unix:///…`, `tcp://…`); default from WHARF_HOST / DOCKER_HOST. */
  host?: string | DaemonHost;
  /** Pin the API version (like DOCKER_API_VERSION): no downgrade, the ping is still sent. */
  apiVersion?: string;
}

/** What `/_ping` reports. */
export interface PingResult {
  apiVersion?: string;
  osType?: string;
  experimental: boolean;
  builderVersion?: string;
}

export class EngineClient implements ApiCaller {
  readonly host: DaemonHost;
  readonly images: ImagesApi;
  readonly system: SystemApi;
  /** Raw inspection of containers, images, networks and volumes. */
  readonly objects: ObjectsApi;
  readonly containers = new ContainersApi(this);
  readonly archive = new ContainerArchiveApi(this);
  readonly exec = new ExecApi(this);
  readonly events = new EventsApi(this);
  readonly imagePull = new ImagePullApi(this);
  /** Push, login and search (pull is imagePull). */
  readonly distribution = new DistributionApi(this);
  private readonly transport: HttpTransport;
  private negotiated?: Promise<string>;
  private pingResult?: PingResult;

  constructor(private readonly opts: EngineClientOptions = {}) {
    const h = opts.host;
    this.host = typeof h === 'object' ? h : h ? parseDaemonHost(h) : resolveDaemonHost(undefined);
    this.transport = new HttpTransport(this.host);
    this.images = new ImagesApi(this);
    this.system = new SystemApi(this);
    this.objects = new ObjectsApi(this);
  }

  /** `HEAD /_ping` (falling back to `GET /_ping` as the docker client does). */
  async ping(): Promise<PingResult> {
    let res = await this.transport.request({ method: 'HEAD', path: '/_ping' });
    res.resume();
    if ((res.statusCode ?? 500) >= 400) {
      res = await this.transport.request({ method: 'GET', path: '/_ping' });
      const body = await readBody(res);
      // Without an Api-Version header an error status is a real failure.
      if ((res.statusCode ?? 500) >= 400 && !res.headers['api-version']) {
        throw daemonErrorFromBody(res.statusCode ?? 500, res.statusMessage ?? '', body);
      }
    }
    const h = res.headers;
    const header = (n: string) => (typeof h[n] === 'string' ? (h[n] as string) : undefined);
    this.pingResult = {
      apiVersion: header('api-version'),
      osType: header('ostype'),
      experimental: header('docker-experimental') === 'true',
      builderVersion: header('builder-version'),
    };
    return this.pingResult;
  }

  /** The negotiated API version (pinging the daemon once). */
  apiVersion(): Promise<string> {
    this.negotiated ??= this.ping().then((p) => {
      if (this.opts.apiVersion) return this.opts.apiVersion;
      const daemon = p.apiVersion ?? FALLBACK_API_VERSION;
      return compareApiVersions(daemon, CLIENT_API_VERSION) < 0 ? daemon : CLIENT_API_VERSION;
    });
    return this.negotiated;
  }

  /** The version this client would use without a daemon (ours, or the pinned one). */
  get defaultApiVersion(): string {
    return this.opts.apiVersion ?? CLIENT_API_VERSION;
  }

  private async prepare(path: string, opts: CallOptions) {
    const version = await this.apiVersion();
    const headers = { ...opts.headers };
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['Content-Type'] = 'application/json';
    }
    return { version, req: { path: `/v${version}${path}`, query: opts.query, headers, body, signal: opts.signal } };
  }

  async call(method: string, path: string, opts: CallOptions = {}): Promise<IncomingMessage> {
    const { version, req } = await this.prepare(path, opts);
    const res = await this.transport.request({ method, ...req });
    const status = res.statusCode ?? 500;
    if (status >= 400) throw daemonErrorFromBody(status, res.statusMessage ?? '', await readBody(res), version);
    return res;
  }

  async callJSON<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
    const res = await this.call(method, path, opts);
    const body = await readBody(res);
    return JSON.parse(body.toString('utf8') || 'null') as T;
  }

  async callNoContent(method: string, path: string, opts: CallOptions = {}): Promise<void> {
    const res = await this.call(method, path, opts);
    await readBody(res);
  }

  async hijack(method: string, path: string, opts: CallOptions = {}): Promise<HijackedConnection> {
    const { req } = await this.prepare(path, opts);
    return this.transport.hijack({ method, ...req });
  }

  /** Releases idle connections (the process can exit without it; keep-alive sockets are unref'd). */
  close(): void {
    this.transport.close();
  }
}
