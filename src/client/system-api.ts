import type { SystemDataUsageResponse, SystemInfo, SystemVersion } from '../spec/engine/types.js';
import { type ApiCaller, type CallOptions, pathName } from './api-caller.js';
import { readBody } from './http-transport.js';

/** An object as the daemon sent it: the exact JSON text and its parsed value. */
export interface RawObject {
  raw: string;
  value: Record<string, unknown>;
}

/** The system endpoints: version, info, disk usage. */
export class SystemApi {
  constructor(private readonly api: ApiCaller) {}

  /** `GET /version`. */
  version(): Promise<SystemVersion> {
    return this.api.callJSON('GET', '/version');
  }

  /** `GET /info`. */
  info(): Promise<SystemInfo> {
    return this.api.callJSON('GET', '/info');
  }

  /** `GET /system/df`. */
  df(): Promise<SystemDataUsageResponse> {
    return this.api.callJSON('GET', '/system/df');
  }
}

/**
 * Inspection of any object kind by name, returning the daemon's JSON as is (docker's generic
 * `inspect` prints the raw JSON, keeping fields the typed structs do not know).
 */
export class ObjectsApi {
  constructor(private readonly api: ApiCaller) {}

  private async raw(path: string, opts?: CallOptions): Promise<RawObject> {
    const res = await this.api.call('GET', path, opts);
    const raw = (await readBody(res)).toString('utf8');
    return { raw, value: JSON.parse(raw) as Record<string, unknown> };
  }

  /** `GET /containers/{id}/json`. */
  container(id: string, opts: { size?: boolean } = {}): Promise<RawObject> {
    return this.raw(`/containers/${pathName(id)}/json`, { query: { size: opts.size } });
  }

  /** `GET /images/{name}/json`. */
  image(name: string): Promise<RawObject> {
    return this.raw(`/images/${pathName(name)}/json`);
  }

  /** `GET /networks/{id}`. */
  network(id: string): Promise<RawObject> {
    return this.raw(`/networks/${pathName(id)}`);
  }

  /** `GET /volumes/{name}`. */
  volume(name: string): Promise<RawObject> {
    return this.raw(`/volumes/${pathName(name)}`);
  }
}
