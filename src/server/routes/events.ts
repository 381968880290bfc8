/**
 * `GET /events`: Docker's event stream, one `\n`-terminated JSON object per event, headers flushed
 * at once. The handler parses the time window and filters; {@link EventsBackend} does the rest.
 */
import { invalidArgument } from '../../errdefs/index.js';
import { goJSONLine } from '../../lib/go-json.js';
import type { EventMessage } from '../../spec/engine/types.js';
import type { RequestContext } from '../context.js';
import type { Filters } from '../query.js';
import type { Route } from '../router.js';

export interface EventsBackend {
  /** Past events in [since, until] (when either is given), then live ones until `until` or abort. Nanoseconds. */
  stream(req: { since?: bigint; until?: bigint; filters: Filters }, write: (e: EventMessage) => void, signal: AbortSignal): Promise<void>;
}

/**
 * dockerd's event time parameter (timetypes.ParseTimestamps): unix seconds with an optional
 * fraction in nanoseconds, `1700000000.123456789`. The CLI turns `10m` and RFC 3339 into this form.
 */
export function parseEventTime(value: string | undefined): bigint | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) {
    const bad = /^-?\d+$/.test(value.split('.')[0] ?? '') ? value.slice(value.indexOf('.') + 1) : value.split('.')[0];
    throw invalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(bad)}: invalid syntax`);
  }
  const frac = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
  return BigInt(m[1]!) * 1_000_000_000n + BigInt(frac);
}

/** An event with dockerd's field order (the legacy status/id/from first, when present). */
function eventLine(e: EventMessage): string {
  const { status, id, from, Type, Action, Actor, scope, time, timeNano } = e as EventMessage & { status?: string; id?: string; from?: string };
  return goJSONLine({ status, id, from, Type, Action, Actor, scope, time, timeNano });
}

async function events(b: EventsBackend, ctx: RequestContext): Promise<void> {
  const rawSince = ctx.query.string('since');
  const rawUntil = ctx.query.string('until');
  const since = parseEventTime(rawSince);
  const until = parseEventTime(rawUntil);
  if (until !== undefined && until < (since ?? 0n)) {
    throw invalidArgument(`\`since\` time (${rawSince ?? ''}) cannot be after \`until\` time (${rawUntil})`);
  }
  const filters = ctx.query.filters();
  const ac = new AbortController();
  ctx.res!.once('close', () => ac.abort());
  const out = ctx.stream('application/json');
  await b.stream({ since, until, filters }, (e) => out.write(eventLine(e)), ac.signal);
  out.end();
}

export function eventRoutes(b: EventsBackend): Route[] {
  return [{ method: 'GET', path: '/events', handler: (ctx) => events(b, ctx) }];
}
