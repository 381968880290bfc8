import type { IncomingMessage } from 'node:http';
import type {
  ContainerChangeItem,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspectResponse,
  ContainerSummary,
  ContainerTopResponse,
  ContainerUpdateRequest,
  ContainerWaitResponse,
  IdResponse,
} from '../spec/engine/types.js';
import { compareApiVersions } from '../spec/engine/api-version.js';
import { goJSONLine } from '../lib/go-json.js';
import { type ApiCaller, type CallOptions, filtersParam, pathName } from './api-caller.js';
import type { HijackedConnection } from './http-transport.js';
import { readBody } from './http-transport.js';

/**
 * A JSON request body as Go's json.Encoder writes it (the docker client's encoding): `<>&`
 * escaped and a trailing newline, so a daemon sees the same bytes from both CLIs.
 */
export function jsonBody(value: unknown): Pick<CallOptions, 'body' | 'headers'> {
  return { body: goJSONLine(value), headers: { 'Content-Type': 'application/json' } };
}

export interface ContainerListOptions {
  all?: boolean;
  /** `-n`: the N most recently created (any state); -1 or undefined for no limit. */
  limit?: number;
  size?: boolean;
  filters?: Record<string, string[]>;
}

export interface ContainerStopOptions {
  /** Seconds to wait before SIGKILL; the daemon's default (the container's StopTimeout) if unset. */
  timeout?: number;
  /** Signal to stop with; only sent to daemons of API 1.42+, as the docker client does. */
  signal?: string;
}

export interface ContainerRemoveOptions {
  force?: boolean;
  volumes?: boolean;
  link?: boolean;
}

export interface ContainerAttachOptions {
  stream?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

export interface ContainerLogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** A unix timestamp (`1700000000.000000000`) as the docker CLI sends it. */
  since?: string;
  until?: string;
  timestamps?: boolean;
  details?: boolean;
  /** `all` or a number of lines. */
  tail?: string;
}

export interface ContainerCommitOptions {
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause?: boolean;
  changes?: string[];
  /** The config to merge, sent as the body (docker sends no body when none is given). */
  config?: unknown;
}

/** `POST /containers/prune` response. */
export interface ContainerPruneReport {
  ContainersDeleted?: string[] | null;
  SpaceReclaimed?: number;
}

/** When to return from `POST /containers/{id}/wait`. */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** A wait whose 200 headers have arrived: the daemon now watches the container. */
export interface PendingWait {
  /** The wait body, once the condition is met. */
  result: Promise<ContainerWaitResponse>;
  /** Drops the connection without waiting for the result. */
  cancel(): void;
}

/**
 * The container endpoints (`/containers/…`, `/commit`). Streaming calls return the response
 * (logs, stats, export) or the hijacked connection (attach) for the caller to read.
 */
export class ContainersApi {
  constructor(private readonly api: ApiCaller & { apiVersion(): Promise<string> }) {}

  /** `POST /containers/create?name=`. */
  create(body: ContainerCreateRequest, opts: { name?: string; platform?: string } = {}): Promise<ContainerCreateResponse> {
    return this.api.callJSON('POST', '/containers/create', { query: { name: opts.name || undefined, platform: opts.platform }, ...jsonBody(body) });
  }

  /** `GET /containers/{id}/json`. */
  inspect(id: string, opts: { size?: boolean } = {}): Promise<ContainerInspectResponse> {
    return this.api.callJSON('GET', `/containers/${pathName(id)}/json`, { query: { size: opts.size } });
  }

  /** `GET /containers/json`. */
  list(opts: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    const limit = opts.limit !== undefined && opts.limit !== -1 ? String(opts.limit) : undefined;
    return this.api.callJSON('GET', '/containers/json', { query: { all: opts.all, filters: filtersParam(opts.filters), limit, size: opts.size } });
  }

  /** `POST /containers/{id}/start`. */
  start(id: string): Promise<void> {
    return this.api.callNoContent('POST', `/containers/${pathName(id)}/start`);
  }

  private async stopQuery(opts: ContainerStopOptions) {
    const signal = opts.signal && compareApiVersions(await this.api.apiVersion(), '1.42') >= 0 ? opts.signal : undefined;
    return { signal, t: opts.timeout === undefined ? undefined : String(opts.timeout) };
  }

  /** `POST /containers/{id}/stop?t=`: resolves once the container is down. */
  async stop(id: string, opts: ContainerStopOptions = {}): Promise<void> {
    await this.api.callNoContent('POST', `/containers/${pathName(id)}/stop`, { query: await this.stopQuery(opts) });
  }

  /** `POST /containers/{id}/restart?t=`. */
  async restart(id: string, opts: ContainerStopOptions = {}): Promise<void> {
    await this.api.callNoContent('POST', `/containers/${pathName(id)}/restart`, { query: await this.stopQuery(opts) });
  }

  /** `POST /containers/{id}/kill?signal=`. */
  kill(id: string, signal?: string): Promise<void> {
    return this.api.callNoContent('POST', `/containers/${pathName(id)}/kill`, { query: { signal: signal || undefined } });
  }

  pause(id: string): Promise<void> {
    return this.api.callNoContent('POST', `/containers/${pathName(id)}/pause`);
  }

  unpause(id: string): Promise<void> {
    return this.api.callNoContent('POST', `/containers/${pathName(id)}/unpause`);
  }

  /**
   * `POST /containers/{id}/wait?condition=`: resolves when the 200 headers arrive (the docker CLI
   * starts a container only after this), with the body still to come.
   */
  async wait(id: string, condition?: WaitCondition): Promise<PendingWait> {
    const abort = new AbortController();
    const res = await this.api.call('POST', `/containers/${pathName(id)}/wait`, { query: { condition }, signal: abort.signal });
    const result = readBody(res).then((b) => JSON.parse(b.toString('utf8')) as ContainerWaitResponse);
    // A cancelled wait rejects; nobody needs to hear about it.
    result.catch(() => {});
    return { result, cancel: () => abort.abort() };
  }

  /** `DELETE /containers/{id}`. */
  remove(id: string, opts: ContainerRemoveOptions = {}): Promise<void> {
    return this.api.callNoContent('DELETE', `/containers/${pathName(id)}`, { query: { force: opts.force, link: opts.link, v: opts.volumes } });
  }

  /** `POST /containers/{id}/update`: resources and restart policy; the daemon's warnings. */
  update(id: string, body: ContainerUpdateRequest): Promise<{ Warnings?: string[] | null }> {
    return this.api.callJSON('POST', `/containers/${pathName(id)}/update`, jsonBody(body));
  }

  /** `POST /containers/{id}/rename?name=`. */
  rename(id: string, name: string): Promise<void> {
    return this.api.callNoContent('POST', `/containers/${pathName(id)}/rename`, { query: { name } });
  }

  /** `POST /containers/{id}/resize?h=&w=`. */
  resize(id: string, height: number, width: number): Promise<void> {
    return this.api.callNoContent('POST', `/containers/${pathName(id)}/resize`, { query: { h: String(height), w: String(width) } });
  }

  /** `POST /containers/{id}/attach` upgraded to a raw stream (multiplexed unless the container has a TTY). */
  attach(id: string, opts: ContainerAttachOptions): Promise<HijackedConnection> {
    const query = {
      detachKeys: opts.detachKeys || undefined,
      logs: opts.logs,
      stderr: opts.stderr,
      stdin: opts.stdin,
      stdout: opts.stdout,
      stream: opts.stream,
    };
    return this.api.hijack('POST', `/containers/${pathName(id)}/attach`, { query });
  }

  /** `GET /containers/{id}/logs`: a stream, multiplexed unless the container has a TTY. */
  logs(id: string, opts: ContainerLogsOptions): Promise<IncomingMessage> {
    const query = {
      details: opts.details,
      follow: opts.follow,
      since: opts.since || undefined,
      stderr: opts.stderr,
      stdout: opts.stdout,
      tail: opts.tail,
      timestamps: opts.timestamps,
      until: opts.until || undefined,
    };
    return this.api.call('GET', `/containers/${pathName(id)}/logs`, { query });
  }

  /** `GET /containers/{id}/top?ps_args=`. */
  top(id: string, psArgs?: string): Promise<ContainerTopResponse> {
    return this.api.callJSON('GET', `/containers/${pathName(id)}/top`, { query: { ps_args: psArgs || undefined } });
  }

  /** `GET /containers/{id}/stats?stream=`: one JSON object per line while streaming. */
  stats(id: string, opts: { stream: boolean; signal?: AbortSignal }): Promise<IncomingMessage> {
    return this.api.call('GET', `/containers/${pathName(id)}/stats`, { query: { stream: opts.stream ? '1' : '0' }, signal: opts.signal });
  }

  /** `GET /containers/{id}/changes`. */
  changes(id: string): Promise<ContainerChangeItem[] | null> {
    return this.api.callJSON('GET', `/containers/${pathName(id)}/changes`);
  }

  /** `GET /containers/{id}/export`: the root filesystem as a tar stream. */
  export(id: string): Promise<IncomingMessage> {
    return this.api.call('GET', `/containers/${pathName(id)}/export`);
  }

  /** `POST /containers/prune`. */
  prune(filters?: Record<string, string[]>): Promise<ContainerPruneReport> {
    return this.api.callJSON('POST', '/containers/prune', { query: { filters: filtersParam(filters) } });
  }

  /** `POST /commit?container=…`: a new image from the container's changes (`repo` fully qualified). */
  commit(id: string, opts: ContainerCommitOptions = {}): Promise<IdResponse> {
    const query = {
      author: opts.author ?? '',
      changes: opts.changes?.length ? opts.changes : undefined,
      comment: opts.comment ?? '',
      container: id,
      pause: opts.pause === false ? '0' : undefined,
      repo: opts.repo ?? '',
      tag: opts.tag ?? '',
    };
    return this.api.callJSON('POST', '/commit', { query, ...(opts.config === undefined ? {} : jsonBody(opts.config)) });
  }
}
