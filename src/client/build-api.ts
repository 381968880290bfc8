import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { ApiCaller } from './api-caller.js';

/** `POST /build` options, as the docker CLI's classic builder sends them. */
export interface BuildOptions {
  tags?: string[];
  /** The Dockerfile's path inside the context. */
  dockerfile?: string;
  /** `--build-arg`: `null` for a name with no value (and none in the environment). */
  buildArgs?: Record<string, string | null>;
  target?: string;
  noCache?: boolean;
  labels?: Record<string, string>;
  quiet?: boolean;
  /** Remove intermediate containers (the API's default is true). */
  remove?: boolean;
  forceRemove?: boolean;
  pull?: boolean;
  cacheFrom?: string[];
  networkMode?: string;
  platform?: string;
  shmSize?: number;
  memory?: number;
  /** `X-Registry-Config` (base64url JSON of registry → AuthConfig); `e30=` (`{}`) without. */
  registryConfig?: string;
  signal?: AbortSignal;
}

/** The build endpoint. */
export class BuildApi {
  constructor(private readonly api: ApiCaller) {}

  /**
   * `POST /build` with the context tar as a chunked body; resolves with the JSON-message stream
   * (`stream`, `aux`, `errorDetail` lines) for the caller to read.
   */
  build(context: Readable, o: BuildOptions = {}): Promise<IncomingMessage> {
    const json = (v: unknown, empty: boolean) => (empty ? undefined : JSON.stringify(v));
    const query = {
      t: o.tags && o.tags.length > 0 ? o.tags : undefined,
      dockerfile: o.dockerfile,
      buildargs: json(o.buildArgs ?? {}, Object.keys(o.buildArgs ?? {}).length === 0),
      target: o.target,
      nocache: o.noCache ? '1' : undefined,
      labels: json(o.labels ?? {}, Object.keys(o.labels ?? {}).length === 0),
      q: o.quiet ? '1' : undefined,
      rm: o.remove === false ? '0' : '1',
      forcerm: o.forceRemove ? '1' : undefined,
      pull: o.pull ? '1' : undefined,
      cachefrom: json(o.cacheFrom ?? [], (o.cacheFrom ?? []).length === 0),
      networkmode: o.networkMode,
      platform: o.platform,
      shmsize: o.shmSize ? String(o.shmSize) : undefined,
      memory: o.memory ? String(o.memory) : undefined,
      version: '1',
    };
    // The docker CLI always sends X-Registry-Config, `{}` when it knows no credentials.
    const headers = { 'Content-Type': 'application/x-tar', 'X-Registry-Config': o.registryConfig ?? 'e30=' };
    return this.api.call('POST', '/build', { query, body: context, headers, signal: o.signal });
  }
}
