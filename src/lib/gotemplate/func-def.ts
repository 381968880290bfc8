/**
 * Template functions with Go-like signatures, so that arity and argument-type errors read like
 * Go's (`wrong number of args for join: want 2 got 1`, `wrong type for value; expected string;
 * got int`).
 */
import { goTypeName, kindOf } from './values.js';

/** Parameter types a function can declare; arguments are checked and converted to them. */
export type ParamType = 'any' | 'string' | 'int' | 'bool' | 'strings';

export interface FuncDef {
  // biome-ignore lint/suspicious/noExplicitAny: arguments are checked against `params` at run time
  fn: (...args: any[]) => unknown;
  /** Fixed parameters. */
  params: ParamType[];
  /** Type of the variadic tail, if the function is variadic. */
  variadic?: ParamType;
}

/** A function map: name → definition. A plain function is taken as variadic over `any`. */
// biome-ignore lint/suspicious/noExplicitAny: user functions receive checked template values
export type FuncMap = Record<string, FuncDef | ((...args: any[]) => unknown)>;

export function toFuncDef(f: FuncDef | ((...args: unknown[]) => unknown)): FuncDef {
  return typeof f === 'function' ? { fn: f, params: [], variadic: 'any' } : f;
}

const GO_NAMES: Record<ParamType, string> = {
  any: 'interface {}',
  string: 'string',
  int: 'int',
  bool: 'bool',
  strings: '[]string',
};

/**
 * Checks a value against a parameter type; returns the converted value or an error message in
 * Go's words. `undefined` (a missing value) becomes nil for `any`, as Go's validateType does.
 */
export function convertArg(v: unknown, t: ParamType): { ok: true; value: unknown } | { ok: false; error: string } {
  if (v === undefined) {
    if (t === 'any' || t === 'strings') return { ok: true, value: null };
    return { ok: false, error: `invalid value; expected ${GO_NAMES[t]}` };
  }
  const k = kindOf(v);
  const ok =
    t === 'any' ||
    (t === 'string' && k === 'string') ||
    (t === 'int' && k === 'int') ||
    (t === 'bool' && k === 'bool') ||
    (t === 'strings' && (k === 'nil' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))));
  if (ok) return { ok: true, value: t === 'int' ? Number(v) : v };
  if (v === null) return { ok: false, error: `cannot assign nil to ${GO_NAMES[t]}` };
  return { ok: false, error: `wrong type for value; expected ${GO_NAMES[t]}; got ${goTypeName(v)}` };
}
