import type { JSONMessage } from '../../spec/engine/types.js';
import type { RequestContext } from '../context.js';
import type { Filters } from '../query.js';
import type { Handler, Route } from '../router.js';

/** What the distribution routes need from the engine (DistributionService implements it). */
export interface DistributionBackend {
  pull(
    p: { fromImage: string; tag?: string; platform?: string; registryAuth?: string | string[]; signal?: AbortSignal },
    out: (m: JSONMessage) => void,
  ): Promise<void>;
  push(p: { name: string; tag?: string; registryAuth?: string | string[] }, out: (m: JSONMessage) => void): Promise<void>;
  login(body: { username?: string; password?: string; serveraddress?: string; identitytoken?: string; auth?: string }): Promise<{ IdentityToken: string; Status: string }>;
  search(p: { term: string; limit?: number; filters?: Filters; registryAuth?: string | string[] }): Promise<unknown[]>;
}

/**
 * A progress stream that starts with its first message (dockerd's WriteFlusher): a failure
 * before it is a plain HTTP error with its status (the 404 of an unknown manifest), one after is
 * an `errorDetail` line in the 200 stream. Messages written after the client went away are
 * dropped.
 */
async function lazyProgress(ctx: RequestContext, fn: (write: (m: JSONMessage) => void) => Promise<void>): Promise<void> {
  let progress: ReturnType<RequestContext['progress']> | undefined;
  const write = (m: JSONMessage) => {
    if (ctx.res?.destroyed) return;
    progress ??= ctx.progress();
    progress.write(m);
  };
  try {
    await fn(write);
  } catch (err) {
    if (!progress) throw err;
    if (!ctx.res?.destroyed) progress.fail(err);
    return;
  }
  (progress ?? ctx.progress()).end();
}

/** An AbortSignal that fires when the client hangs up before the response is complete. */
function clientGone(ctx: RequestContext): AbortSignal {
  const ctl = new AbortController();
  ctx.res?.once('close', () => {
    if (!ctx.res?.writableFinished) ctl.abort();
  });
  return ctl.signal;
}

/** `POST /images/create?fromImage=`: handed to imageRoutes, which owns that path. */
export function pullHandler(b: DistributionBackend): Handler {
  return (ctx) =>
    lazyProgress(ctx, (write) =>
      b.pull(
        {
          fromImage: ctx.query.string('fromImage') ?? '',
          tag: ctx.query.string('tag'),
          platform: ctx.query.string('platform'),
          registryAuth: ctx.req.headers['x-registry-auth'],
          signal: clientGone(ctx),
        },
        write,
      ),
    );
}

/** `POST /images/{name}/push`, `POST /auth`, `GET /images/search`. */
export function distributionRoutes(b: DistributionBackend): Route[] {
  return [
    {
      method: 'GET',
      path: '/images/search',
      handler: async (ctx) =>
        ctx.send(
          200,
          await b.search({ term: ctx.query.string('term') ?? '', limit: ctx.query.int('limit'), filters: ctx.query.filters(), registryAuth: ctx.req.headers['x-registry-auth'] }),
        ),
    },
    {
      method: 'POST',
      path: '/images/{name*}/push',
      handler: (ctx) =>
        lazyProgress(ctx, (write) => b.push({ name: ctx.params.name!, tag: ctx.query.string('tag'), registryAuth: ctx.req.headers['x-registry-auth'] }, write)),
    },
    {
      method: 'POST',
      path: '/auth',
      handler: async (ctx) => ctx.send(200, await b.login(await ctx.json())),
    },
  ];
}
