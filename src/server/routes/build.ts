import type { Readable } from 'node:stream';
import { invalidArgument, toWharfError } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import type { JSONMessage } from '../../spec/engine/types.js';
import type { RequestContext } from '../context.js';
import type { Query } from '../query.js';
import type { Route } from '../router.js';

/** The build request as the route parses it from the query (moby newImageBuildOptions). */
export interface BuildQuery {
  tags: string[];
  dockerfile?: string;
  buildArgs: Record<string, string | null>;
  target?: string;
  noCache: boolean;
  labels: Record<string, string>;
  remove: boolean;
  forceRemove: boolean;
  pull: boolean;
  cacheFrom: string[];
  networkMode?: string;
  platform?: string;
  shmSize?: number;
  memory?: number;
  memorySwap?: number;
  cpuShares?: number;
  cpuSetCpus?: string;
  extraHosts?: string[];
  /** `remote`: a URL (git repository, context archive or Dockerfile) to fetch the context from instead of the body. */
  remote?: string;
  /** The raw `X-Registry-Config` header: credentials for the registries FROM may pull from. */
  registryConfig?: string;
}

/** Where a build writes its messages. */
export interface BuildSink {
  stream(text: string): void;
  aux(id: Digest): void;
  /** Any other message, passed through as is (a base image's pull progress). */
  message(m: JSONMessage): void;
}

/** What the build route needs from the engine (BuildService implements it). */
export interface BuildBackend {
  build(req: BuildQuery, body: Readable, out: BuildSink, signal?: AbortSignal): Promise<Digest>;
}

function jsonParam<T>(q: Query, name: string, what: string): T | undefined {
  try {
    return q.json<T>(name);
  } catch {
    throw invalidArgument(`error reading ${what}: invalid JSON in ${name}`);
  }
}

/** Parses the query like dockerd (rm defaults to true; forcerm implies rm). */
export function parseBuildQuery(q: Query): BuildQuery {
  if (q.bool('squash')) throw invalidArgument('squash is only supported with experimental mode');
  const version = q.string('version');
  if (version && version !== '1') throw invalidArgument('buildkit is not enabled on daemon');
  if (q.all('securityopt').length > 0) throw invalidArgument('The daemon on this platform does not support setting security options on build');
  const forceRemove = q.bool('forcerm');
  const rmRaw = q.string('rm');
  const labels = jsonParam<Record<string, string>>(q, 'labels', 'labels') ?? {};
  const buildArgs = jsonParam<Record<string, string | null>>(q, 'buildargs', 'build args') ?? {};
  for (const [k, v] of Object.entries(buildArgs)) if (v !== null && typeof v !== 'string') throw invalidArgument(`error reading build args: ${k} is not a string`);
  const shm = q.string('shmsize');
  if (shm !== undefined && shm !== '' && !/^-?\d+$/.test(shm)) throw invalidArgument(`strconv.ParseInt: parsing "${shm}": invalid syntax`);
  return {
    tags: q.all('t'),
    dockerfile: q.string('dockerfile') || undefined,
    buildArgs,
    target: q.string('target') || undefined,
    noCache: q.bool('nocache'),
    labels,
    remove: forceRemove || rmRaw === undefined || rmRaw === '' || q.bool('rm'),
    forceRemove,
    pull: q.bool('pull'),
    cacheFrom: jsonParam<string[]>(q, 'cachefrom', 'cache-from') ?? [],
    networkMode: q.string('networkmode') || undefined,
    platform: q.string('platform') || undefined,
    shmSize: shm ? Number(shm) : undefined,
    memory: q.int('memory'),
    memorySwap: q.int('memswap'),
    cpuShares: q.int('cpushares'),
    cpuSetCpus: q.string('cpusetcpus') || undefined,
    extraHosts: q.all('extrahosts'),
    remote: q.string('remote') || undefined,
  };
}

/** The error line of a build stream (moby streamformatter.FormatError; `code` for a failed RUN). */
function errorMessage(err: unknown): JSONMessage {
  const e = toWharfError(err);
  const code = (e as { code?: unknown }).code;
  return { errorDetail: typeof code === 'number' ? { code, message: e.message } : { message: e.message }, error: e.message };
}

/**
 * `POST /build` (classic builder): the body is the context tar, the answer Docker's JSON message
 * stream. The stream starts with the build's first message, so errors found before it (bad
 * query, context, Dockerfile, target) are plain HTTP errors; later ones end the stream with an
 * `errorDetail` line (status 200, as dockerd). With `q` only the image ID is sent — or, when the
 * build fails, everything it printed and then the error.
 */
export function buildRoutes(b: BuildBackend): Route[] {
  return [
    {
      method: 'POST',
      path: '/build',
      handler: async (ctx) => {
        const query = parseBuildQuery(ctx.query);
        const registryConfig = ctx.req.headers['x-registry-config'];
        if (typeof registryConfig === 'string' && registryConfig !== '') query.registryConfig = registryConfig;
        const quiet = ctx.query.bool('q');
        const abort = new AbortController();
        ctx.res!.on('close', () => {
          if (!ctx.res!.writableFinished) abort.abort();
        });
        let progress: ReturnType<RequestContext['progress']> | undefined;
        const write = (m: JSONMessage) => {
          progress ??= ctx.progress();
          progress.write(m);
        };
        const buffered: JSONMessage[] = [];
        const emit = (m: JSONMessage) => (quiet ? buffered.push(m) : write(m));
        try {
          const id = await b.build(query, ctx.bodyStream(), { stream: (t) => emit({ stream: t }), aux: (id) => emit({ aux: { ID: id } }), message: emit }, abort.signal);
          if (quiet) write({ stream: `${id}\n` });
        } catch (err) {
          if (!progress && buffered.length === 0) throw err;
          for (const m of buffered) write(m);
          write(errorMessage(err));
        }
        (progress ?? ctx.progress()).end();
      },
    },
  ];
}
