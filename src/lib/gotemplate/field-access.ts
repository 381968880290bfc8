/**
 * `.Field` on a value, with Go's rules and messages: struct fields and methods (getters and
 * functions of objects marked GO_TYPE), map keys (plain objects and Maps) with the missingkey
 * options, and errors for everything else.
 */
import { goQuote } from './go-strconv.js';
import { goTypeName, kindOf, mapGet } from './values.js';

export type FieldResult =
  | { kind: 'value'; value: unknown }
  | { kind: 'method'; fn: (...args: unknown[]) => unknown }
  | { kind: 'error'; message: string };

export interface FieldOptions {
  missingKey?: 'invalid' | 'zero' | 'error';
  strictKeys?: (obj: object) => boolean;
}

const NOT_FOUND: unique symbol = Symbol('not found');

/** A struct's exported field or method (own or inherited, never from Object.prototype). */
function structMember(obj: Record<string, unknown>, name: string): unknown {
  if (!/^\p{Lu}/u.test(name)) return NOT_FOUND;
  for (let p: object | null = obj; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, name)) return obj[name];
  }
  return NOT_FOUND;
}

const value = (v: unknown): FieldResult => ({ kind: 'value', value: v });
const error = (message: string): FieldResult => ({ kind: 'error', message });

/** Looks `name` up on `recv`; `hasArgs` says whether arguments follow (only methods take them). */
export function lookupField(recv: unknown, name: string, hasArgs: boolean, opts: FieldOptions): FieldResult {
  if (recv === undefined) {
    return opts.missingKey === 'error' ? error(`nil data; no entry for key ${goQuote(name)}`) : value(undefined);
  }
  if (recv === null) {
    // JSON null stands for both Go's nil pointers (fields are Capitalized) and nil maps.
    return /^\p{Lu}/u.test(name) ? error(`nil pointer evaluating interface {}.${name}`) : value(undefined);
  }
  const kind = kindOf(recv);
  if (kind !== 'struct' && kind !== 'map') return error(`can't evaluate field ${name} in type ${goTypeName(recv)}`);
  const obj = recv as Record<string, unknown>;
  const member = kind === 'struct' ? structMember(obj, name) : mapGet(obj, name);
  if (typeof member === 'function') return { kind: 'method', fn: (member as (...a: unknown[]) => unknown).bind(recv) };
  if (kind === 'struct') {
    if (member === NOT_FOUND) return error(`can't evaluate field ${name} in type ${goTypeName(recv)}`);
    if (hasArgs) return error(`${name} has arguments but cannot be invoked as function`);
    return value(member);
  }
  if (hasArgs) return error(`${name} is not a method but has arguments`);
  if (member !== undefined) return value(member);
  if (opts.missingKey === 'error' || opts.strictKeys?.(obj)) return error(`map has no entry for key ${goQuote(name)}`);
  return value(opts.missingKey === 'zero' ? null : undefined);
}
