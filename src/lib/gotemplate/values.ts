/**
 * How JavaScript values stand in for Go values inside templates, and how Go's fmt prints them.
 *
 * | JS value                              | Go equivalent                                  |
 * | ------------------------------------- | ---------------------------------------------- |
 * | `undefined`                           | an invalid reflect.Value (missing map key)      |
 * | `null`                                | nil                                            |
 * | boolean, string                       | bool, string                                   |
 * | number                                | int when a safe integer, else float64          |
 * | Number object (`new Number(2)`)       | float64 (a float literal like `2.0`)           |
 * | array / typed array                   | slice                                          |
 * | plain object, `Map`                   | map (printed and ranged in sorted key order)   |
 * | object carrying {@link GO_TYPE}        | struct (or pointer to struct) named GO_TYPE    |
 * | function                              | func (a method when reached as a field)        |
 */

/** Marks an object as a Go struct; the value is its Go type name, used in error messages. */
export const GO_TYPE: unique symbol = Symbol.for('wharf.gotemplate.goType');
/**
 * An object's own JSON encoding, like Go's json.Marshaler: a function returning JSON text. The
 * template `json` function and docker's table contexts use it.
 */
export const GO_MARSHAL_JSON: unique symbol = Symbol.for('wharf.gotemplate.marshalJSON');

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'func';

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  if (v instanceof Number) return 'float';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
  }
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return 'slice';
  if (isStruct(v)) return 'struct';
  return 'map';
}

export function isStruct(v: unknown): v is Record<string | symbol, unknown> {
  return typeof v === 'object' && v !== null && GO_TYPE in v;
}

/** The entries of a map value in Go's sorted order (fmtsort: numbers numerically, else by text). */
export function mapEntries(v: object): Array<[string | number, unknown]> {
  const entries: Array<[string | number, unknown]> =
    v instanceof Map ? [...v.entries()] : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
  return entries.sort(([a], [b]) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const sa = String(a);
    const sb = String(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
}

/** Looks a key up in a map value; `undefined` when absent. */
export function mapGet(v: object, key: unknown): unknown {
  if (v instanceof Map) return v.get(key);
  if (typeof key !== 'string' && typeof key !== 'number') return undefined;
  return Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
}

/** A struct's fields in declaration order: its own enumerable string keys. */
export function structFields(v: object): Array<[string, unknown]> {
  return Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
}

/** The Go type name of a value, as fmt's %T and template errors print it. */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'func':
      return 'func';
    case 'slice':
      return v instanceof Uint8Array ? '[]uint8' : '[]interface {}';
    case 'struct':
      return String((v as Record<symbol, unknown>)[GO_TYPE]);
    case 'map':
      return 'map[string]interface {}';
  }
}

/** Go's template truth: false, 0, nil, and empty strings, slices and maps are false. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return Number(v) !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as ArrayLike<unknown>).length > 0;
    case 'map':
      return v instanceof Map ? v.size > 0 : Object.keys(v as object).length > 0;
    default:
      return true;
  }
}

/** Length for `len` and `slice`: strings count UTF-8 bytes, as in Go. */
export function goLength(v: unknown): number | null {
  switch (kindOf(v)) {
    case 'string':
      return Buffer.byteLength(v as string);
    case 'slice':
      return (v as ArrayLike<unknown>).length;
    case 'map':
      return v instanceof Map ? v.size : Object.keys(v as object).length;
    case 'nil':
      return 0;
    default:
      return null;
  }
}
