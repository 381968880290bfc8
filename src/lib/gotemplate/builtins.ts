/**
 * Go text/template's predefined functions (text/template/funcs.go): and, or, not, len, index,
 * slice, print, printf, println, html, js, urlquery, call, and the comparisons eq, ne, lt, le,
 * gt, ge, with Go's error messages.
 */
import type { FuncDef } from './func-def.js';
import { sprint, sprintf, sprintln } from './go-fmt.js';
import { goLength, goTypeName, isTrue, kindOf, mapEntries, mapGet } from './values.js';

type BasicKind = 'bool' | 'number' | 'string';

function basicKind(v: unknown): BasicKind | null {
  const k = kindOf(v);
  if (k === 'int' || k === 'float') return 'number';
  if (k === 'bool' || k === 'string') return k;
  return null;
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const ka = basicKind(a);
  for (const b of rest) {
    const kb = basicKind(b);
    if (a === null || a === undefined || b === null || b === undefined) {
      if ((a ?? null) === (b ?? null)) return true;
      continue;
    }
    if (ka === null || kb === null) throw new Error(`non-comparable type ${goTypeName(ka === null ? a : b)}`);
    if (ka !== kb) throw new Error('incompatible types for comparison');
    if (a.valueOf() === b.valueOf()) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === null || kb === null || ka === 'bool' || kb === 'bool') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return (a as number | string).valueOf() < (b as number | string).valueOf();
}

function indexArg(i: unknown, len: number, cap = len): number {
  if (kindOf(i) !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(i)}`);
  const x = Number(i);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

/** Zero value of a map's element type, inferred from its values (string maps give ""). */
function mapZero(m: object): unknown {
  const values = mapEntries(m).map(([, v]) => v);
  return values.every((v) => typeof v === 'string') ? '' : undefined;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === null || item === undefined) {
    if (indexes.length === 0) return item;
    // JSON null stands for a nil map or slice here; Go indexes a nil map to its zero value.
    if (item === null && typeof indexes[0] === 'string') return '';
    throw new Error('index of untyped nil');
  }
  for (const ix of indexes) {
    const k = kindOf(item);
    if (k === 'slice' || k === 'string') {
      if (k === 'string') {
        const bytes = Buffer.from(item as string);
        const x = indexArg(ix, bytes.length);
        if (x === bytes.length) throw new Error(`index out of range: ${x}`);
        item = bytes[x];
      } else {
        const arr = item as ArrayLike<unknown>;
        const x = indexArg(ix, arr.length);
        if (x === arr.length) throw new Error(`index out of range: ${x}`);
        item = arr[x];
      }
    } else if (k === 'map') {
      if (typeof ix !== 'string' && !(item instanceof Map)) throw new Error(`value has type ${goTypeName(ix)}; should be string`);
      const v = mapGet(item as object, ix);
      item = v === undefined ? mapZero(item as object) : v;
    } else if (item === null) {
      throw new Error('index of nil pointer');
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  const k = kindOf(item);
  if (k !== 'string' && k !== 'slice') throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  if (k === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string');
  const len = goLength(item) ?? 0;
  const idx = [0, len];
  indexes.forEach((ix, i) => {
    idx[i] = indexArg(ix, len);
  });
  if (idx[0] > idx[1]) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (k === 'string') return Buffer.from(item as string).subarray(idx[0], idx[1]).toString();
  return Array.prototype.slice.call(item, idx[0], idx[1]);
}

function length(item: unknown): number {
  const n = goLength(item);
  if (n === null) throw new Error(`len of type ${goTypeName(item)}`);
  return n;
}

const HTML_ESCAPES: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };
const htmlEscape = (s: string) => s.replace(/["'&<>\0]/g, (c) => HTML_ESCAPES[c]);
const jsEscape = (s: string) =>
  s.replace(/[\\'"<>&=\u0000-\u001f]/g, (c) => {
    if (c === '\\' || c === "'" || c === '"') return `\\${c}`;
    return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
const evalArgs = (args: unknown[]) => (args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args));

/** Go's builtin template functions. */
export const BUILTINS: Record<string, FuncDef> = {
  and: { fn: () => undefined, params: ['any'], variadic: 'any' },
  or: { fn: () => undefined, params: ['any'], variadic: 'any' },
  not: { fn: (v: unknown) => !isTrue(v), params: ['any'] },
  len: { fn: length, params: ['any'] },
  index: { fn: index, params: ['any'], variadic: 'any' },
  slice: { fn: slice, params: ['any'], variadic: 'any' },
  print: { fn: (...a: unknown[]) => sprint(a), params: [], variadic: 'any' },
  println: { fn: (...a: unknown[]) => sprintln(a), params: [], variadic: 'any' },
  printf: { fn: (f: string, ...a: unknown[]) => sprintf(f, a), params: ['string'], variadic: 'any' },
  html: { fn: (...a: unknown[]) => htmlEscape(evalArgs(a)), params: [], variadic: 'any' },
  js: { fn: (...a: unknown[]) => jsEscape(evalArgs(a)), params: [], variadic: 'any' },
  urlquery: { fn: (...a: unknown[]) => encodeURIComponent(evalArgs(a)).replace(/%20/g, '+'), params: [], variadic: 'any' },
  call: {
    fn: (f: unknown, ...a: unknown[]) => {
      if (typeof f !== 'function') throw new Error(`non-function of type ${goTypeName(f)}`);
      return f(...a);
    },
    params: ['any'],
    variadic: 'any',
  },
  eq: { fn: eq, params: ['any'], variadic: 'any' },
  ne: { fn: (a: unknown, b: unknown) => !eq(a, b), params: ['any', 'any'] },
  lt: { fn: lt, params: ['any', 'any'] },
  le: { fn: (a: unknown, b: unknown) => lt(a, b) || eq(a, b), params: ['any', 'any'] },
  gt: { fn: (a: unknown, b: unknown) => !lt(a, b) && !eq(a, b), params: ['any', 'any'] },
  ge: { fn: (a: unknown, b: unknown) => !lt(a, b), params: ['any', 'any'] },
};
