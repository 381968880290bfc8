/**
 * Engine API routes of containers beyond their lifecycle and streams: the filesystem (`docker cp`
 * through /archive, `docker diff`, `docker export`, `docker commit`) and observation (`docker top`,
 * `docker stats`). Thin handlers over {@link ContainerFsBackend} and {@link ContainerObserveBackend}.
 */
import type { Readable, Writable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { goJSON } from '../../lib/go-json.js';
import type { ContainerChangeItem, ContainerConfig, ContainerTopResponse } from '../../spec/engine/types.js';
import type { RequestContext } from '../context.js';
import type { Route } from '../router.js';

/** The `X-Docker-Container-Path-Stat` content (Docker's ContainerPathStat). */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface ContainerFsBackend {
  statPath(idOrName: string, path: string): Promise<PathStat>;
  /** Calls `start(stat)` once the path is known to exist, then writes the tar to what it returned. */
  archive(idOrName: string, path: string, start: (stat: PathStat) => Writable): Promise<void>;
  extract(idOrName: string, path: string, body: Readable, o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void>;
  export(idOrName: string, open: () => Writable): Promise<void>;
  changes(idOrName: string): Promise<ContainerChangeItem[]>;
  commit(req: {
    container: string;
    repo?: string;
    tag?: string;
    comment?: string;
    author?: string;
    pause: boolean;
    changes: string[];
    config?: ContainerConfig;
  }): Promise<Digest>;
}

export interface ContainerObserveBackend {
  top(idOrName: string, psArgs?: string): Promise<ContainerTopResponse>;
  prepareStats(idOrName: string, o: { stream: boolean; oneShot: boolean }): { stream: boolean; run(write: (line: string) => void, signal: AbortSignal): Promise<void> };
}

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** The header's value: standard base64 of the stat as Go marshals it (field order as in Docker's struct). */
export function statHeader(s: PathStat): string {
  return Buffer.from(goJSON({ name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget })).toString('base64');
}

/** dockerd's archiveFormValues (its message lacks a space: `bad parameter: pathcannot be empty`). */
function archivePathParam(ctx: RequestContext): string {
  const p = ctx.query.string('path');
  if (!p) throw invalidArgument('bad parameter: pathcannot be empty');
  return p;
}

/** The optional config body of `POST /commit` (a create body: Config fields at the top level). */
async function commitConfig(ctx: RequestContext): Promise<ContainerConfig | undefined> {
  const body = await ctx.json<(ContainerConfig & { HostConfig?: unknown; NetworkingConfig?: unknown }) | null>();
  if (!body || typeof body !== 'object') return undefined;
  const { HostConfig: _h, NetworkingConfig: _n, ...config } = body;
  // Go leaves the embedded *Config nil unless the body sets one of its fields.
  return Object.keys(config).length > 0 ? config : undefined;
}

async function stats(b: ContainerObserveBackend, ctx: RequestContext): Promise<void> {
  const stream = ctx.query.bool('stream', true);
  const oneShot = ctx.query.bool('one-shot', false);
  if (stream && oneShot) throw invalidArgument('cannot have stream=true and one-shot=true');
  const prepared = b.prepareStats(ctx.params.id!, { stream, oneShot });
  const ac = new AbortController();
  ctx.res!.once('close', () => ac.abort());
  if (!prepared.stream) {
    let doc = '';
    await prepared.run((l) => (doc += l), ac.signal);
    return ctx.text(200, doc, 'application/json');
  }
  const out = ctx.stream('application/json');
  await prepared.run((l) => out.write(l), ac.signal);
  out.end();
}

export function containerFsRoutes(fs: ContainerFsBackend, observe: ContainerObserveBackend): Route[] {
  const id = (ctx: RequestContext) => ctx.params.id!;
  return [
    {
      method: 'HEAD',
      path: '/containers/{id}/archive',
      handler: async (ctx) => {
        const stat = await fs.statPath(id(ctx), archivePathParam(ctx));
        ctx.res!.writeHead(200, { [STAT_HEADER]: statHeader(stat) });
        ctx.res!.end();
      },
    },
    {
      method: 'GET',
      path: '/containers/{id}/archive',
      handler: (ctx) => fs.archive(id(ctx), archivePathParam(ctx), (stat) => ctx.stream('application/x-tar', { [STAT_HEADER]: statHeader(stat) })),
    },
    {
      method: 'PUT',
      path: '/containers/{id}/archive',
      handler: async (ctx) => {
        const q = ctx.query;
        await fs.extract(id(ctx), archivePathParam(ctx), ctx.bodyStream(), { noOverwriteDirNonDir: q.bool('noOverwriteDirNonDir'), copyUIDGID: q.bool('copyUIDGID') });
        ctx.res!.writeHead(200, { 'Content-Length': 0 });
        ctx.res!.end();
      },
    },
    {
      method: 'GET',
      path: '/containers/{id}/changes',
      handler: async (ctx) => {
        const changes = await fs.changes(id(ctx));
        // dockerd's nil slice: `null` when nothing changed.
        ctx.send(200, changes.length > 0 ? changes : null);
      },
    },
    { method: 'GET', path: '/containers/{id}/export', handler: (ctx) => fs.export(id(ctx), () => ctx.stream('application/x-tar')) },
    {
      method: 'POST',
      path: '/commit',
      handler: async (ctx) => {
        const q = ctx.query;
        // The API defaults `pause` to true since 1.13, also when it is given empty.
        const pause = q.string('pause') ? q.bool('pause') : true;
        const opt = (name: string) => q.string(name) || undefined;
        const config = await commitConfig(ctx);
        const imageId = await fs.commit({
          container: q.string('container') ?? '',
          repo: opt('repo'),
          tag: opt('tag'),
          comment: opt('comment'),
          author: opt('author'),
          pause,
          changes: q.all('changes'),
          config,
        });
        ctx.send(201, { Id: imageId });
      },
    },
    { method: 'GET', path: '/containers/{id}/top', handler: async (ctx) => ctx.send(200, await observe.top(id(ctx), ctx.query.string('ps_args'))) },
    { method: 'GET', path: '/containers/{id}/stats', handler: (ctx) => stats(observe, ctx) },
  ];
}
