import type { ContainerRecord } from '../../../core/containers/container.js';
import { invalidArgument } from '../../../errdefs/index.js';
import { containerSizes } from './container-inspect.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { isRunning } from './status-text.js';

/** `POST /containers/prune` response. */
export interface ContainersPruneReport {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

const GO_DURATION = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * An `until` value as Docker reads it (moby api/types/time GetTimestamp): a Go duration before
 * now (`10m`, `1h30m`), unix seconds (with a fraction), or an RFC 3339 date/time. In ms.
 */
export function parseUntil(v: string, now = Date.now()): number {
  if (GO_DURATION.test(v)) {
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    return now - ms;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`failed to parse value as time or duration: "${v}"`);
  return t;
}

function labelMatch(values: string[], labels: Record<string, string>): boolean {
  return values.every((v) => {
    const i = v.indexOf('=');
    const k = i < 0 ? v : v.slice(0, i);
    return k in labels && (i < 0 || labels[k] === v.slice(i + 1));
  });
}

/** The stopped containers a prune with these filters (until, label, label!) removes. */
export function pruneCandidates(ctx: LifecycleContext, filters: Map<string, string[]>): ContainerRecord[] {
  for (const k of filters.keys()) if (!['until', 'label', 'label!'].includes(k)) throw invalidArgument(`Invalid filter '${k}'`);
  const until = filters.get('until')?.map((v) => parseUntil(v));
  const labels = filters.get('label');
  const notLabels = filters.get('label!');
  return ctx.store.list().filter((rec) => {
    if (isRunning(rec.state) || rec.state.status === 'removing') return false;
    if (until && !until.every((u) => Date.parse(rec.created) < u)) return false;
    const l = rec.config.Labels ?? {};
    if (labels && !labelMatch(labels, l)) return false;
    if (notLabels?.some((v) => labelMatch([v], l))) return false;
    return true;
  });
}

/** Removes the candidates one by one (`remove` of the service), summing their rw sizes. */
export async function pruneContainers(
  ctx: LifecycleContext,
  filters: Map<string, string[]>,
  remove: (id: string) => Promise<void>,
): Promise<ContainersPruneReport> {
  const deleted: string[] = [];
  let space = 0;
  for (const rec of pruneCandidates(ctx, filters)) {
    const { SizeRw } = await containerSizes(ctx, rec);
    try {
      await remove(rec.id);
      deleted.push(rec.id);
      space += SizeRw;
    } catch (err) {
      ctx.log.warn('prune: cannot remove container', { id: rec.id, err });
    }
  }
  ctx.deps.events.publish('container', 'prune', { ID: '', Attributes: { reclaimed: String(space) } });
  return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
}
