import { invalidArgument } from '../errdefs/index.js';

/** Docker's filter map: `{"label":{"a=b":true}}` or the legacy `{"label":["a=b"]}`. */
export type Filters = Map<string, string[]>;

/** Query-string access with Docker's parsing rules (booleans are 1/true/True; 0/false/empty is false). */
export class Query {
  constructor(private readonly params: URLSearchParams) {}

  has(name: string): boolean {
    return this.params.has(name);
  }

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  all(name: string): string[] {
    return this.params.getAll(name);
  }

  bool(name: string, dflt = false): boolean {
    const v = this.params.get(name);
    if (v === null) return dflt;
    const s = v.toLowerCase();
    return !(s === '' || s === '0' || s === 'false' || s === 'no');
  }

  int(name: string, dflt?: number): number | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return dflt;
    const n = Number(v);
    if (!Number.isFinite(n)) throw invalidArgument(`invalid value for ${name}: "${v}"`);
    return Math.trunc(n);
  }

  /** A JSON-encoded query parameter (e.g. `buildargs`, `labels`). */
  json<T>(name: string): T | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return undefined;
    try {
      return JSON.parse(v) as T;
    } catch {
      throw invalidArgument(`invalid JSON in query parameter ${name}`);
    }
  }

  filters(name = 'filters'): Filters {
    return parseFilters(this.params.get(name));
  }
}

export function parseFilters(raw: string | null | undefined): Filters {
  const out: Filters = new Map();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument(`invalid filter: ${raw}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidArgument(`invalid filter: ${raw}`);
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v)) out.set(k, v.map(String));
    else if (v && typeof v === 'object') out.set(k, Object.keys(v as object));
    else throw invalidArgument(`invalid filter: ${raw}`);
  }
  return out;
}

/** Rejects filter keys a list endpoint does not know, as Docker does. */
export function validateFilterKeys(filters: Filters, allowed: readonly string[]): void {
  for (const k of filters.keys()) {
    if (!allowed.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
  }
}
