import type { Readable, Writable } from 'node:stream';
import { invalidArgument, notImplemented } from '../../errdefs/index.js';
import type { HistoryResponseItem, ImageDeleteResponseItem, ImageInspect, ImageSummary, JSONMessage } from '../../spec/engine/types.js';
import type { RequestContext } from '../context.js';
import type { Filters } from '../query.js';
import type { Handler, Route } from '../router.js';

/** What the image routes need from the engine (ImageService implements it). */
export interface ImagesBackend {
  list(opts: { all?: boolean; filters?: Filters }): ImageSummary[];
  inspect(name: string): Promise<ImageInspect>;
  history(name: string): Promise<HistoryResponseItem[]>;
  tag(name: string, repo: string, tag: string | undefined): Promise<unknown>;
  remove(name: string, opts: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteResponseItem[]>;
  prune(filters: Filters): Promise<{ ImagesDeleted: ImageDeleteResponseItem[] | null; SpaceReclaimed: number }>;
  importImage(body: Readable, opts: { src?: string; repo?: string; tag?: string; message?: string; changes?: string[] }): Promise<string>;
  load(body: Readable, out: (msg: JSONMessage) => void, quiet: boolean): Promise<void>;
  save(names: string[], open: () => Writable): Promise<void>;
}

/** `POST /images/create?fromImage=` (pull) belongs to the registry subsystem; wired when it exists. */
export type PullHandler = Handler;

/**
 * A JSON-message stream that starts only with its first message, as dockerd's WriteFlusher: an
 * error before anything was written is a plain HTTP error with its status, one after is an
 * `errorDetail` line in the 200 stream.
 */
async function withLazyProgress(ctx: RequestContext, fn: (write: (m: JSONMessage) => void) => Promise<void>): Promise<void> {
  let progress: ReturnType<RequestContext['progress']> | undefined;
  const write = (m: JSONMessage) => {
    progress ??= ctx.progress();
    progress.write(m);
  };
  try {
    await fn(write);
  } catch (err) {
    if (!progress) throw err;
    progress.fail(err);
    return;
  }
  (progress ?? ctx.progress()).end();
}

function listFilters(ctx: RequestContext): Filters {
  const filters = ctx.query.filters();
  // `filter=NAME` is the pre-1.13 form of the reference filter; dockerd 20.10 still honours it.
  const legacy = ctx.query.string('filter');
  if (legacy) filters.set('reference', [...(filters.get('reference') ?? []), legacy]);
  return filters;
}

/**
 * The /images routes. Fixed paths come before `{name*}` ones: image names contain slashes and are
 * not escaped by the CLI (`POST /images/127.0.0.1:5000/spy/built/tag`).
 */
export function imageRoutes(b: ImagesBackend, pull?: PullHandler): Route[] {
  return [
    {
      method: 'GET',
      path: '/images/json',
      handler: async (ctx) => ctx.send(200, b.list({ all: ctx.query.bool('all'), filters: listFilters(ctx) })),
    },
    {
      method: 'POST',
      path: '/images/load',
      handler: (ctx) => withLazyProgress(ctx, (write) => b.load(ctx.bodyStream(), write, ctx.query.bool('quiet'))),
    },
    {
      method: 'GET',
      path: '/images/get',
      handler: async (ctx) => b.save(ctx.query.all('names'), () => ctx.stream('application/x-tar')),
    },
    {
      method: 'POST',
      path: '/images/create',
      handler: async (ctx) => {
        const fromImage = ctx.query.string('fromImage');
        if (fromImage) {
          if (!pull) throw notImplemented(`cannot pull ${fromImage}: this daemon has no registry client yet`);
          return pull(ctx);
        }
        const src = ctx.query.string('fromSrc');
        if (!src) throw invalidArgument('either fromImage or fromSrc is required');
        await withLazyProgress(ctx, async (write) => {
          const id = await b.importImage(ctx.bodyStream(), {
            src,
            repo: ctx.query.string('repo'),
            tag: ctx.query.string('tag'),
            message: ctx.query.string('message'),
            changes: ctx.query.all('changes'),
          });
          write({ status: id });
        });
      },
    },
    {
      method: 'POST',
      path: '/images/prune',
      handler: async (ctx) => ctx.send(200, await b.prune(ctx.query.filters())),
    },
    { method: 'GET', path: '/images/{name*}/json', handler: async (ctx) => ctx.send(200, await b.inspect(ctx.params.name!)) },
    { method: 'GET', path: '/images/{name*}/history', handler: async (ctx) => ctx.send(200, await b.history(ctx.params.name!)) },
    {
      method: 'GET',
      path: '/images/{name*}/get',
      handler: async (ctx) => b.save([ctx.params.name!], () => ctx.stream('application/x-tar')),
    },
    {
      method: 'POST',
      path: '/images/{name*}/tag',
      handler: async (ctx) => {
        await b.tag(ctx.params.name!, ctx.query.string('repo') ?? '', ctx.query.string('tag'));
        ctx.noContent(201);
      },
    },
    {
      method: 'DELETE',
      path: '/images/{name*}',
      handler: async (ctx) => ctx.send(200, await b.remove(ctx.params.name!, { force: ctx.query.bool('force'), noprune: ctx.query.bool('noprune') })),
    },
  ];
}
