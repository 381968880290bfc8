/**
 * The functions the docker CLI adds to every `--format` template (docker/cli templates package):
 * json, split, join, title, lower, upper, pad, truncate; and the pass-through variants it uses
 * when rendering a `table` header row.
 */
import type { FuncDef } from './func-def.js';
import { GO_MARSHAL_JSON } from './values.js';

/**
 * JSON as Go's json.Encoder with SetEscapeHTML(false) writes it, without the trailing newline.
 * Objects with a {@link GO_MARSHAL_JSON} method supply their own encoding (Go's Marshaler).
 */
export function goMarshal(v: unknown): string {
  const s = JSON.stringify(v === undefined ? null : v, (_k, x) => {
    if (x && typeof x === 'object' && typeof x[GO_MARSHAL_JSON] === 'function') {
      return { [RAW]: x[GO_MARSHAL_JSON]() };
    }
    if (x instanceof Map) return Object.fromEntries(x);
    return x === undefined ? null : x;
  });
  // Splice the pre-encoded pieces in, and escape U+2028/U+2029 as Go always does.
  return (s ?? 'null')
    .replace(/\{"__wharf_raw__":("(?:[^"\\]|\\.)*")\}/g, (_m, q: string) => JSON.parse(q) as string)
    .replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
const RAW = '__wharf_raw__';

/** Go's strings.Title: upper-cases the first letter of every word. */
export function goTitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(r: string): boolean {
  const cp = r.codePointAt(0) ?? 0;
  if (cp <= 0x7f) {
    if (/[0-9a-zA-Z_]/.test(r)) return false;
    return true;
  }
  if (/\p{L}|\p{Nd}/u.test(r)) return false;
  return /\s/u.test(r);
}

/** Go's strings.Split: an empty separator splits into UTF-8 sequences (characters). */
function split(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

function truncate(s: string, n: number): string {
  const b = Buffer.from(s);
  // Go slices bytes: source[:length].
  return b.length < n ? s : b.subarray(0, Math.max(0, n)).toString();
}

function pad(s: string, prefix: number, suffix: number): string {
  if (s === '') return s;
  return ' '.repeat(Math.max(0, prefix)) + s + ' '.repeat(Math.max(0, suffix));
}

/** docker's basicFunctions. */
export const DOCKER_FUNCS: Record<string, FuncDef> = {
  json: { fn: goMarshal, params: ['any'] },
  split: { fn: split, params: ['string', 'string'] },
  join: { fn: (a: string[] | null, sep: string) => (a ?? []).join(sep), params: ['strings', 'string'] },
  title: { fn: goTitle, params: ['string'] },
  lower: { fn: (s: string) => s.toLowerCase(), params: ['string'] },
  upper: { fn: (s: string) => s.toUpperCase(), params: ['string'] },
  pad: { fn: pad, params: ['string', 'int', 'int'] },
  truncate: { fn: truncate, params: ['string', 'int'] },
};

/**
 * docker's HeaderFunctions: when the header row of a `table` format is rendered, the data are
 * the column titles, so the formatting functions pass their string through unchanged.
 */
export const DOCKER_HEADER_FUNCS: Record<string, FuncDef> = {
  json: { fn: (v: unknown) => v, params: ['any'] },
  split: { fn: (v: string) => v, params: ['string', 'string'] },
  join: { fn: (v: unknown) => v, params: ['any', 'string'] },
  title: { fn: (v: string) => v, params: ['string'] },
  lower: { fn: (v: string) => v, params: ['string'] },
  upper: { fn: (v: string) => v, params: ['string'] },
  pad: { fn: (v: string) => v, params: ['string', 'int', 'int'] },
  truncate: { fn: (v: string) => v, params: ['string', 'int'] },
};
