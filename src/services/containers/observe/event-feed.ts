import type { EventBus } from '../../../core/events/events.js';
import type { EventMessage } from '../../../spec/engine/types.js';
import { familiarName, parseNormalizedNamed } from '../../../spec/reference.js';

/** Docker's filter map (`{"container":{"x":true}}` parsed). */
export type EventFilters = ReadonlyMap<string, readonly string[]>;

export interface EventsRequest {
  /** Nanoseconds since the epoch; past events from then on are sent first. */
  since?: bigint;
  /** Nanoseconds since the epoch; the stream ends then (at once when it is past). */
  until?: bigint;
  filters: EventFilters;
}

/**
 * `GET /events` over the daemon's event bus, as dockerd serves it (api/server/router/system
 * getEvents + daemon/events): with `since` or `until`, the kept history in that window comes first
 * (taken together with the subscription, so nothing is lost or doubled); live events follow
 * until `until` (or the client leaves); all of them through the filters.
 */
export class EventFeed {
  constructor(
    private readonly bus: EventBus,
    private readonly nowNano: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
  ) {}

  async stream(req: EventsRequest, write: (e: EventMessage) => void, signal: AbortSignal): Promise<void> {
    const match = (e: EventMessage) => eventMatches(req.filters, e);
    const live: EventMessage[] = [];
    let wake: (() => void) | undefined;
    // Subscribed before the history is read, in the same tick: no event can fall between them.
    const unsubscribe = this.bus.subscribe((e) => {
      if (!match(e)) return;
      live.push(e);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      if (req.since !== undefined || req.until !== undefined) for (const e of this.bus.history(req.since ?? 0n, req.until)) if (match(e)) write(e);
      const until = req.until;
      const now = this.nowNano();
      if (until !== undefined && until < now) return;
      while (!signal.aborted && (until === undefined || this.nowNano() <= until)) {
        for (let e = live.shift(); e; e = live.shift()) write(e);
        if (until !== undefined) {
          clearTimeout(timer);
          // Capped at setTimeout's maximum; a far `until` just re-arms after waking.
          timer = setTimeout(() => wake?.(), Math.min(2 ** 31 - 1, Number((until - this.nowNano()) / 1_000_000n) + 1));
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (signal.aborted) resolve();
        });
        wake = undefined;
      }
      for (let e = live.shift(); e; e = live.shift()) if (until === undefined || BigInt(e.timeNano ?? 0) <= until) write(e);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  }
}

/** dockerd's events filter (daemon/events/filter.go Include). Unknown keys restrict nothing. */
export function eventMatches(f: EventFilters, e: EventMessage): boolean {
  const attrs = e.Actor?.Attributes ?? {};
  const event = ['health_status', 'exec_create', 'exec_start'].some((v) => f.get('event')?.includes(v)) ? fuzzy(f, 'event', e.Action ?? '') : exact(f, 'event', e.Action ?? '');
  return (
    event &&
    exact(f, 'type', e.Type ?? '') &&
    (!f.has('scope') || exact(f, 'scope', e.scope ?? '')) &&
    nameFilters(f, e) &&
    imageMatches(f, e) &&
    labelsMatch(f, attrs)
  );
}

/**
 * dockerd applies `container=x` (and the other name filters) to every event through fuzzyMatchName,
 * which looks at the event's actor whatever its type: a `container` filter drops image events
 * unless an image's id or name starts with the value too.
 */
function nameFilters(f: EventFilters, e: EventMessage): boolean {
  const id = e.Actor?.ID ?? '';
  const name = e.Actor?.Attributes?.name ?? '';
  return ['daemon', 'container', 'plugin', 'volume', 'network', 'node', 'service', 'secret', 'config'].every((t) => fuzzy(f, t, id) || fuzzy(f, t, name));
}

/** Image filter: the actor id or the image name attribute, each also without its tag. */
function imageMatches(f: EventFilters, e: EventMessage): boolean {
  if (!f.get('image')?.length) return true;
  const id = e.Actor?.ID ?? '';
  const name = e.Actor?.Attributes?.[e.Type === 'image' ? 'name' : 'image'] ?? '';
  return [id, name, stripTag(id), stripTag(name)].some((v) => exact(f, 'image', v));
}

function stripTag(image: string): string {
  try {
    return familiarName(parseNormalizedNamed(image));
  } catch {
    return image;
  }
}

/** MatchKVList: every `key` or `key=value` of the filter is in the attributes. */
function labelsMatch(f: EventFilters, attrs: Record<string, string>): boolean {
  const want = f.get('label') ?? [];
  if (want.length === 0) return true;
  if (Object.keys(attrs).length === 0) return false;
  return want.every((kv) => {
    const i = kv.indexOf('=');
    const k = i < 0 ? kv : kv.slice(0, i);
    if (!Object.hasOwn(attrs, k)) return false;
    return i < 0 || attrs[k] === kv.slice(i + 1);
  });
}

/** filters.Args.ExactMatch: no values for the key matches anything. */
function exact(f: EventFilters, key: string, v: string): boolean {
  const values = f.get(key);
  return !values || values.length === 0 || values.includes(v);
}

/** filters.Args.FuzzyMatch: exact, or a value is a prefix of `v`. */
function fuzzy(f: EventFilters, key: string, v: string): boolean {
  const values = f.get(key);
  return !values || values.length === 0 || values.some((p) => v.startsWith(p));
}
