/**
 * dockerd 20.10's rules for volumes: local volume names, the filters of `GET /volumes` and
 * `POST /volumes/prune`, and the `CreatedAt` format — with its messages, word for word.
 */
import type { VolumeFilters, VolumeRecord } from '../../core/volumes/volume.js';
import { invalidArgument } from '../../errdefs/index.js';
import { type FilterArgs, matchKVList, matchLabels, validateFilters } from '../images/image-filters.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const LIST_FILTERS = ['dangling', 'driver', 'label', 'name'];
/** API 1.41: no `all` (1.42) and no `until`. */
const PRUNE_FILTERS = ['label', 'label!'];

/** The reason a local volume name is refused (without the `create NAME: ` prefix), or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 1) return 'volume name is too short, names should be at least two alphanumeric characters';
  if (!NAME.test(name)) {
    return `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
  }
  return undefined;
}

function toArgs(filters: VolumeFilters | undefined): FilterArgs {
  return new Map([...(filters ?? new Map<string, readonly string[]>())].map(([k, v]) => [k, [...v]]));
}

/** Go's filters.Match: any value matching as an unanchored regular expression. */
function anyRegexp(values: string[] | undefined, s: string): boolean {
  if (!values?.length) return true;
  return values.some((v) => {
    try {
      return new RegExp(v).test(s);
    } catch {
      return false;
    }
  });
}

/** `dangling` as dockerd reads it: true if `true`/`1` is among the values, else false if `false`/`0` is. */
function dangling(f: FilterArgs): boolean | undefined {
  const v = f.get('dangling');
  if (!v?.length) return undefined;
  if (v.includes('true') || v.includes('1')) return true;
  if (v.includes('false') || v.includes('0')) return false;
  throw invalidArgument(`Invalid filter 'dangling=[${v.join(' ')}]'`);
}

/** A predicate for `GET /volumes` filters; `inUse` tells whether a volume is referenced. */
export function listFilter(filters: VolumeFilters | undefined, inUse: (name: string) => boolean): (v: VolumeRecord) => boolean {
  const f = toArgs(filters);
  validateFilters(f, LIST_FILTERS);
  const wantDangling = dangling(f);
  const drivers = f.get('driver');
  return (v) => {
    if (drivers?.length && !drivers.includes(v.driver)) return false;
    if (!anyRegexp(f.get('name'), v.name)) return false;
    if (!matchKVList(f, 'label', v.labels)) return false;
    return wantDangling === undefined || wantDangling === !inUse(v.name);
  };
}

/** A predicate for the label filters of `POST /volumes/prune`. */
export function pruneFilter(filters: VolumeFilters | undefined): (v: VolumeRecord) => boolean {
  const f = toArgs(filters);
  validateFilters(f, PRUNE_FILTERS);
  return (v) => matchLabels(f, v.labels);
}

/**
 * Go's `time.Format(time.RFC3339)` of a local time, as dockerd reports a volume's `CreatedAt`:
 * seconds, and `Z` or the zone offset of the daemon's time zone.
 */
export function rfc3339Local(d: Date): string {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
  if (off === 0) return `${local}Z`;
  const abs = Math.abs(off);
  return `${local}${off < 0 ? '-' : '+'}${String(Math.trunc(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
