/**
 * The filters of `GET /networks` (driver, id, label, name, scope, type, dangling) and of
 * `POST /networks/prune` (until, label, label!), with dockerd's validation messages.
 */
import type { NetworkRecord } from '../../core/network/network.js';
import { invalidArgument } from '../../errdefs/index.js';
import { danglingFilter, type FilterArgs, matchKVList, matchLabels, untilFilter, validateFilters } from '../images/image-filters.js';
import type { NetworkState } from './network-state.js';

const LIST_FILTERS = ['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling'];
const PRUNE_FILTERS = ['until', 'label', 'label!'];

/** Go's filters.Match: any value matching as an (unanchored) regular expression; invalid ones match nothing. */
function anyMatch(values: string[] | undefined, s: string): boolean {
  if (!values?.length) return true;
  return values.some((v) => {
    try {
      return new RegExp(v).test(s);
    } catch {
      return false;
    }
  });
}

/** Networks matching every filter. */
export function filterNetworks(state: NetworkState, nets: NetworkRecord[], filters: FilterArgs): NetworkRecord[] {
  validateFilters(filters, LIST_FILTERS);
  const types = filters.get('type');
  for (const t of types ?? []) if (t !== 'custom' && t !== 'builtin') throw invalidArgument(`invalid filter: 'type'='${t}'`);
  const dangling = danglingFilter(filters);
  return nets.filter((n) => {
    const drivers = filters.get('driver');
    if (drivers?.length && !drivers.includes(n.driver)) return false;
    const ids = filters.get('id');
    if (ids?.length && !ids.some((v) => n.id.startsWith(v))) return false;
    if (!anyMatch(filters.get('name'), n.name)) return false;
    if (!matchKVList(filters, 'label', n.labels)) return false;
    const scopes = filters.get('scope');
    if (scopes?.length && !scopes.includes('local')) return false;
    if (types?.length && !types.includes(n.kind === 'custom' ? 'custom' : 'builtin')) return false;
    if (dangling !== undefined) {
      const unused = n.kind === 'custom' && state.endpointsOn(n.id).length === 0;
      if (unused !== dangling) return false;
    }
    return true;
  });
}

/** What a prune keeps out (false) or may remove (true), beyond "user network without endpoints". */
export function pruneFilter(filters: FilterArgs): (n: NetworkRecord) => boolean {
  validateFilters(filters, PRUNE_FILTERS);
  const until = untilFilter(filters);
  return (n) => {
    if (until !== undefined && Date.parse(n.created) / 1000 >= until) return false;
    return matchLabels(filters, n.labels);
  };
}
