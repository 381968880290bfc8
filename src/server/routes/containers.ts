/**
 * Engine API routes of the container lifecycle: create, list, inspect, start, stop, restart,
 * kill, pause/unpause, rename, wait, remove, prune. Thin handlers over {@link ContainersBackend};
 * attach, logs, exec and resize live in container-streams.ts.
 */
import { isKind } from '../../errdefs/index.js';
import { goJSONLine } from '../../lib/go-json.js';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspectResponse,
  ContainerSummary,
  ContainerUpdateRequest,
} from '../../spec/engine/types.js';
import type { RequestContext } from '../context.js';
import type { Filters } from '../query.js';
import type { Route } from '../router.js';

/** Docker's wait conditions. */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** What the lifecycle routes need from the engine. */
export interface ContainersBackend {
  create(body: ContainerCreateRequest, name?: string): Promise<ContainerCreateResponse>;
  listContainers(opts: { all?: boolean; limit?: number; size?: boolean; filters?: Filters }): Promise<ContainerSummary[]>;
  inspect(idOrName: string, size?: boolean): Promise<ContainerInspectResponse>;
  start(idOrName: string): Promise<void>;
  stop(idOrName: string, timeoutSec?: number): Promise<void>;
  restart(idOrName: string, timeoutSec?: number): Promise<void>;
  kill(idOrName: string, signal?: string): Promise<void>;
  pause(idOrName: string): Promise<void>;
  unpause(idOrName: string): Promise<void>;
  rename(idOrName: string, newName: string): Promise<void>;
  /** `docker update`: resources and restart policy; the warnings, null when none (as dockerd). */
  update(idOrName: string, body: ContainerUpdateRequest): Promise<{ Warnings: string[] | null }>;
  /** Resolves the container first (NotFound before any header), then waits. */
  get(idOrName: string): { id: string };
  wait(idOrName: string, condition: WaitCondition, signal?: AbortSignal): Promise<{ StatusCode: number; Error: { Message: string } | null }>;
  /** `volumes` (`?v=1`, `rm -v`): also remove the container's anonymous volumes. */
  remove(idOrName: string, opts: { force?: boolean; volumes?: boolean }): Promise<void>;
  /** `ContainersDeleted` is null when none was removed, as dockerd sends it. */
  prune(filters: Filters): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>;
}

/** 204, or 304 when the backend says NotModified (start of a running / stop of a stopped container). */
async function noContentOr304(ctx: RequestContext, op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (err) {
    if (isKind(err, 'NotModified')) return ctx.noContent(304);
    throw err;
  }
  ctx.noContent();
}

/**
 * `POST /containers/{id}/wait`: the 200 headers go out at once (the CLI calls start only after
 * it has them), the body `{"Error":null,"StatusCode":N}` when the condition is met. A client that
 * goes away cancels the wait.
 */
async function waitHandler(b: ContainersBackend, ctx: RequestContext): Promise<void> {
  const c = ctx.query.string('condition');
  const condition: WaitCondition = c === 'next-exit' || c === 'removed' ? c : 'not-running';
  const { id } = b.get(ctx.params.id!);
  const abort = new AbortController();
  const out = ctx.stream('application/json');
  ctx.res!.on('close', () => abort.abort());
  try {
    const r = await b.wait(id, condition, abort.signal);
    out.end(goJSONLine({ Error: r.Error, StatusCode: r.StatusCode }));
  } catch (err) {
    if (isKind(err, 'Canceled')) return;
    out.end(goJSONLine({ Error: { Message: (err as Error).message }, StatusCode: -1 }));
  }
}

export function containerRoutes(b: ContainersBackend): Route[] {
  const id = (ctx: RequestContext) => ctx.params.id!;
  return [
    {
      method: 'POST',
      path: '/containers/create',
      handler: async (ctx) => ctx.send(201, await b.create(await ctx.json<ContainerCreateRequest>(), ctx.query.string('name') || undefined)),
    },
    {
      method: 'GET',
      path: '/containers/json',
      handler: async (ctx) =>
        ctx.send(
          200,
          await b.listContainers({
            all: ctx.query.bool('all'),
            limit: ctx.query.int('limit'),
            size: ctx.query.bool('size'),
            filters: ctx.query.filters(),
          }),
        ),
    },
    { method: 'POST', path: '/containers/prune', handler: async (ctx) => ctx.send(200, await b.prune(ctx.query.filters())) },
    { method: 'GET', path: '/containers/{id}/json', handler: async (ctx) => ctx.send(200, await b.inspect(id(ctx), ctx.query.bool('size'))) },
    { method: 'POST', path: '/containers/{id}/start', handler: (ctx) => noContentOr304(ctx, () => b.start(id(ctx))) },
    { method: 'POST', path: '/containers/{id}/stop', handler: (ctx) => noContentOr304(ctx, () => b.stop(id(ctx), ctx.query.int('t'))) },
    { method: 'POST', path: '/containers/{id}/restart', handler: (ctx) => noContentOr304(ctx, () => b.restart(id(ctx), ctx.query.int('t'))) },
    { method: 'POST', path: '/containers/{id}/kill', handler: (ctx) => noContentOr304(ctx, () => b.kill(id(ctx), ctx.query.string('signal') || undefined)) },
    { method: 'POST', path: '/containers/{id}/pause', handler: (ctx) => noContentOr304(ctx, () => b.pause(id(ctx))) },
    { method: 'POST', path: '/containers/{id}/unpause', handler: (ctx) => noContentOr304(ctx, () => b.unpause(id(ctx))) },
    { method: 'POST', path: '/containers/{id}/rename', handler: (ctx) => noContentOr304(ctx, () => b.rename(id(ctx), ctx.query.string('name') ?? '')) },
    { method: 'POST', path: '/containers/{id}/update', handler: async (ctx) => ctx.send(200, await b.update(id(ctx), await ctx.json<ContainerUpdateRequest>())) },
    { method: 'POST', path: '/containers/{id}/wait', handler: (ctx) => waitHandler(b, ctx) },
    { method: 'DELETE', path: '/containers/{id}', handler: (ctx) => noContentOr304(ctx, () => b.remove(id(ctx), { force: ctx.query.bool('force'), volumes: ctx.query.bool('v') })) },
  ];
}
