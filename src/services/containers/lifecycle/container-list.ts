import type { ContainerRecord, ContainerStatus } from '../../../core/containers/container.js';
import { invalidArgument } from '../../../errdefs/index.js';
import type { Digest } from '../../../lib/digest.js';
import type { ContainerSummary } from '../../../spec/engine/types.js';
import { containerSizes } from './container-inspect.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { isRunning, statusText } from './status-text.js';
import { matchesVolumeFilter, mountsView } from '../mounts/mount-view.js';

/** Filters `docker ps` accepts (moby daemon/list.go acceptedPsFilterTags). */
const PS_FILTERS = ['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'name', 'network', 'publish', 'since', 'status', 'volume'];
const STATUSES: readonly ContainerStatus[] = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

export interface ListOptions {
  all?: boolean;
  limit?: number;
  size?: boolean;
  filters?: Map<string, string[]>;
}

/**
 * A creation time in microseconds: a number that orders like the time (RFC 3339 strings with
 * trimmed nanoseconds do not sort), exact within a double.
 */
export function createdMicros(rec: ContainerRecord): number {
  const frac = /\.(\d+)Z$/.exec(rec.created)?.[1] ?? '';
  return Math.floor(Date.parse(rec.created) / 1000) * 1e6 + Number(frac.padEnd(6, '0').slice(0, 6));
}

/** Docker's Command column: Path and Args, args containing spaces in single quotes. */
export function commandOf(rec: ContainerRecord): string {
  if (!rec.args.length) return rec.path;
  return `${rec.path} ${rec.args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

/** Regexp match as Go's filters.Match: an invalid pattern matches nothing. */
function reMatch(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern).test(s);
  } catch {
    return false;
  }
}

/** moby filters.MatchKVList: every `k` / `k=v` must be among the labels. */
function labelsMatch(values: string[], labels: Record<string, string>): boolean {
  return values.every((v) => {
    const i = v.indexOf('=');
    const k = i < 0 ? v : v.slice(0, i);
    if (!(k in labels)) return false;
    return i < 0 || labels[k] === v.slice(i + 1);
  });
}

interface Prepared {
  filters: Map<string, string[]>;
  all: boolean;
  exited: number[];
  ancestors?: Set<Digest>;
  beforeNs?: number;
  sinceNs?: number;
}

function prepare(ctx: LifecycleContext, opts: ListOptions): Prepared {
  const filters = opts.filters ?? new Map<string, string[]>();
  for (const k of filters.keys()) if (!PS_FILTERS.includes(k)) throw invalidArgument(`Invalid filter '${k}'`);
  const p: Prepared = { filters, all: opts.all === true || (opts.limit ?? 0) > 0, exited: [] };
  for (const v of filters.get('status') ?? []) {
    if (!STATUSES.includes(v as ContainerStatus)) throw invalidArgument(`Invalid filter 'status=${v}'`);
    p.all = true;
  }
  for (const v of filters.get('exited') ?? []) {
    if (!/^-?\d+$/.test(v)) throw invalidArgument(`Invalid filter 'exited=${v}'`);
    p.exited.push(Number(v));
    p.all = true;
  }
  for (const v of filters.get('health') ?? []) {
    if (!HEALTH.includes(v)) throw invalidArgument(`Unrecognised filter value for health: ${v}`);
  }
  const anc = filters.get('ancestor');
  if (anc) {
    p.ancestors = new Set();
    for (const v of anc) {
      try {
        p.ancestors.add(ctx.deps.images.resolve(v).id);
      } catch {
        // An unknown ancestor matches nothing, as in Docker.
      }
    }
  }
  const before = filters.get('before')?.[0];
  if (before) p.beforeNs = createdMicros(ctx.store.resolve(before));
  const since = filters.get('since')?.[0];
  if (since) p.sinceNs = createdMicros(ctx.store.resolve(since));
  return p;
}

/** Whether `rec`'s image or one of its parents is among `ids` (Docker's ancestor filter). */
function hasAncestor(ctx: LifecycleContext, rec: ContainerRecord, ids: Set<Digest>): boolean {
  for (let id: Digest | undefined = rec.imageId, n = 0; id && n < 256; id = ctx.deps.images.get(id)?.parent, n++) {
    if (ids.has(id)) return true;
  }
  return false;
}

function matches(ctx: LifecycleContext, rec: ContainerRecord, p: Prepared): boolean {
  const f = p.filters;
  const s = rec.state;
  if (!p.all && !isRunning(s)) return false;
  const ids = f.get('id');
  if (ids && !ids.some((v) => reMatch(v, rec.id))) return false;
  const names = f.get('name');
  if (names && !names.some((v) => reMatch(v, `/${rec.name}`))) return false;
  const labels = f.get('label');
  if (labels && !labelsMatch(labels, rec.config.Labels ?? {})) return false;
  const statuses = f.get('status');
  if (statuses && !statuses.includes(s.status)) return false;
  if (p.exited.length && !(s.status === 'exited' && p.exited.includes(s.exitCode))) return false;
  const health = f.get('health');
  if (health && !health.includes(s.health?.status ?? 'none')) return false;
  if (p.ancestors && !hasAncestor(ctx, rec, p.ancestors)) return false;
  const nets = f.get('network');
  if (nets && !ctx.network.networkKeys(rec).some((k) => nets.includes(k))) return false;
  const task = f.get('is-task');
  if (task?.includes('true')) return false;
  const publish = f.get('publish');
  if (publish && !ctx.network.publishedKeys(rec).some((k) => publish.some((p) => (p.includes('/') ? p : `${p}/tcp`) === k))) return false;
  const volumes = f.get('volume');
  if (volumes && !matchesVolumeFilter(rec, volumes)) return false;
  const expose = f.get('expose');
  if (expose && !expose.some((e) => e in (rec.config.ExposedPorts ?? {}))) return false;
  const ns = createdMicros(rec);
  if (p.beforeNs !== undefined && ns >= p.beforeNs) return false;
  if (p.sinceNs !== undefined && ns <= p.sinceNs) return false;
  return true;
}

/** The Image column: the name as given, or the image ID once that name means another image (or none). */
function imageColumn(ctx: LifecycleContext, rec: ContainerRecord): string {
  if (rec.image === rec.imageId) return rec.image;
  try {
    return ctx.deps.images.resolve(rec.image).id === rec.imageId ? rec.image : rec.imageId;
  } catch {
    return rec.imageId;
  }
}

function summary(ctx: LifecycleContext, rec: ContainerRecord, now: number): ContainerSummary {
  const net = ctx.network.summary(rec);
  return {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: imageColumn(ctx, rec),
    ImageID: rec.imageId,
    Command: commandOf(rec),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: net.Ports,
    Labels: rec.config.Labels ?? {},
    State: rec.state.status,
    Status: statusText(rec.state, now),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: net.Networks },
    Mounts: mountsView(rec),
  } as ContainerSummary;
}

/**
 * `GET /containers/json`: from the in-memory records (no disk access unless `size`), newest
 * first, with Docker's filters and their validation messages.
 */
export async function listContainers(ctx: LifecycleContext, opts: ListOptions): Promise<ContainerSummary[]> {
  const p = prepare(ctx, opts);
  const now = Date.now();
  let recs = ctx.store
    .list()
    .filter((r) => matches(ctx, r, p))
    .sort((a, b) => createdMicros(b) - createdMicros(a));
  if (opts.limit && opts.limit > 0) recs = recs.slice(0, opts.limit);
  const out = recs.map((r) => summary(ctx, r, now));
  if (opts.size) {
    await Promise.all(
      recs.map(async (r, i) => {
        const sizes = await containerSizes(ctx, r);
        // Docker places the sizes after Ports.
        const { Id, Names, Image, ImageID, Command, Created, Ports, ...rest } = out[i]!;
        out[i] = { Id, Names, Image, ImageID, Command, Created, Ports, ...sizes, ...rest } as ContainerSummary;
      }),
    );
  }
  return out;
}
