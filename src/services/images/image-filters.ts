import { invalidArgument } from '../../errdefs/index.js';

/** Docker's filter arguments: name → values (`{"label":{"a=b":true}}` on the wire). */
export type FilterArgs = Map<string, string[]>;

/** Refuses filter names outside `accepted`, in Docker's words. */
export function validateFilters(filters: FilterArgs, accepted: readonly string[]): void {
  for (const k of filters.keys()) if (!accepted.includes(k)) throw invalidArgument(`Invalid filter '${k}'`);
}

function invalidFilterValue(name: string, values: string[]): Error {
  return invalidArgument(`Invalid filter '${name}=[${values.join(' ')}]'`);
}

/**
 * The `dangling` filter: undefined when absent, else true/false. Values are exact matches of
 * `true`/`false` (and `1`/`0` where Docker accepts them, for prune).
 */
export function danglingFilter(filters: FilterArgs, allowNumeric = false): boolean | undefined {
  const values = filters.get('dangling');
  if (!values || values.length === 0) return undefined;
  const yes = values.some((v) => v === 'true' || (allowNumeric && v === '1'));
  const no = values.some((v) => v === 'false' || (allowNumeric && v === '0'));
  if (yes && !no) return true;
  if (no) return false;
  throw invalidFilterValue('dangling', values);
}

/**
 * Docker's MatchKVList: every `key` or `key=value` filter value must be satisfied by `labels`.
 * No filter values: true. Filter values but no labels: false.
 */
export function matchKVList(filters: FilterArgs, name: string, labels: Record<string, string> | null): boolean {
  const values = filters.get(name);
  if (!values || values.length === 0) return true;
  if (!labels || Object.keys(labels).length === 0) return false;
  return values.every((v) => {
    const eq = v.indexOf('=');
    const key = eq < 0 ? v : v.slice(0, eq);
    if (!(key in labels)) return false;
    return eq < 0 || labels[key] === v.slice(eq + 1);
  });
}

/** `label` and `label!` filters as prune applies them. */
export function matchLabels(filters: FilterArgs, labels: Record<string, string> | null): boolean {
  if (!matchKVList(filters, 'label', labels)) return false;
  if ((filters.get('label!')?.length ?? 0) > 0 && matchKVList(filters, 'label!', labels)) return false;
  return true;
}

const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * A point in time for `until`/`since` filters, in Unix seconds: a Go duration back from `now`
 * (`24h`), a Unix timestamp (`1700000000`, `1700000000.5`), or an RFC 3339 date/time.
 */
export function parseTimestamp(value: string, nowMs = Date.now()): number {
  if (DURATION_RE.test(value)) {
    let ns = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ns += Number(m[1]) * UNIT_NS[m[2]!]!;
    return (nowMs - ns / 1e6) / 1000;
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalidArgument(`failed to parse value as time or duration: "${value}"`);
  return t / 1000;
}

/** The `until` filter of prune, in Unix seconds; undefined when absent. */
export function untilFilter(filters: FilterArgs, nowMs = Date.now()): number | undefined {
  const values = filters.get('until');
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw invalidArgument('more than one until filter specified');
  return parseTimestamp(values[0]!, nowMs);
}
