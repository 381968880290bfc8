/**
 * Go's fmt for template values: Sprint, Sprintln and Sprintf with Go's verbs, flags, widths and
 * its inline error notation (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`).
 */
import { formatFloat } from './go-float.js';
import { canBackquote, goQuote } from './go-strconv.js';
import { goTypeName, kindOf, mapEntries, structFields } from './values.js';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** %+v: print struct field names (the plus flag does not reach the numbers then). */
  plusV: boolean;
  width: number | null;
  prec: number | null;
}

const PLAIN: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, plusV: false, width: null, prec: null };

function pad(s: string, spec: Spec, zeroOk = false): string {
  const w = spec.width;
  const len = [...s].length;
  if (w === null || len >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - len);
  if (spec.zero && zeroOk) {
    const sign = s[0] === '-' || s[0] === '+' || s[0] === ' ' ? s[0] : '';
    return sign + '0'.repeat(w - len) + s.slice(sign.length);
  }
  return ' '.repeat(w - len) + s;
}

function badVerb(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${formatValue(v, 'v', PLAIN)})`;
}

function signed(s: string, neg: boolean, spec: Spec): string {
  if (neg) return `-${s}`;
  if (spec.plus) return `+${s}`;
  if (spec.space) return ` ${s}`;
  return s;
}

function fmtInt(n: number | bigint, verb: string, spec: Spec): string {
  const neg = n < 0;
  const abs = neg ? -BigInt(n) : BigInt(n);
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString();
      break;
    case 'b':
      digits = abs.toString(2);
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (spec.sharp) prefix = '0';
      break;
    case 'x':
    case 'X':
      digits = abs.toString(16);
      if (verb === 'X') digits = digits.toUpperCase();
      if (spec.sharp) prefix = verb === 'x' ? '0x' : '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(abs)), spec);
    case 'q':
      return pad(goQuote(String.fromCodePoint(Number(abs)), { quote: "'", ascii: spec.plus }), spec);
    case 'U': {
      const u = `U+${abs.toString(16).toUpperCase().padStart(4, '0')}`;
      return pad(spec.sharp ? `${u} '${String.fromCodePoint(Number(abs))}'` : u, spec);
    }
    default:
      return badVerb(verb, n);
  }
  if (spec.prec !== null) {
    if (spec.prec === 0 && abs === 0n) digits = '';
    digits = digits.padStart(spec.prec, '0');
  }
  return pad(signed(prefix + digits, neg, spec), spec, spec.prec === null && !spec.minus);
}

function fmtFloatVerb(x: number, verb: string, spec: Spec): string {
  let s: string;
  switch (verb) {
    case 'v':
      s = formatFloat(x, 'g', spec.prec ?? -1);
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      s = formatFloat(x, verb === 'F' ? 'f' : verb, spec.prec ?? 6);
      break;
    case 'g':
    case 'G':
      s = formatFloat(x, verb, spec.prec ?? -1);
      break;
    default:
      return badVerb(verb, x);
  }
  if (s[0] !== '-' && s[0] !== '+' && s !== 'NaN') s = signed(s, false, spec);
  else if (s[0] === '+' && !spec.plus) s = s.slice(1) === 'Inf' ? (spec.space ? ' Inf' : '+Inf') : s;
  return pad(s, spec, Number.isFinite(x) && !spec.minus);
}

function fmtString(s: string, verb: string, spec: Spec): string {
  if (spec.prec !== null && (verb === 's' || verb === 'v' || verb === 'q')) s = [...s].slice(0, spec.prec).join('');
  switch (verb) {
    case 'v':
    case 's':
      return pad(s, spec);
    case 'q':
      return pad(spec.sharp && canBackquote(s) ? `\`${s}\`` : goQuote(s, { ascii: spec.plus }), spec);
    case 'x':
    case 'X': {
      let bytes = [...Buffer.from(s)].map((b) => b.toString(16).padStart(2, '0'));
      if (spec.prec !== null) bytes = bytes.slice(0, spec.prec);
      let hex = spec.space ? bytes.map((b) => (spec.sharp ? `0x${b}` : b)).join(' ') : (spec.sharp ? '0x' : '') + bytes.join('');
      if (verb === 'X') hex = hex.toUpperCase();
      return pad(hex, spec);
    }
    default:
      return badVerb(verb, s);
  }
}

/** Formats one value with a verb, recursing into slices, maps and structs like fmt does. */
export function formatValue(v: unknown, verb: string, spec: Spec = PLAIN, depth = 0): string {
  if (verb === 'T') return pad(goTypeName(v), spec);
  switch (kindOf(v)) {
    case 'invalid':
      return depth === 0 ? pad('<no value>', spec) : '<nil>';
    case 'nil':
      // A nil operand takes only %v; a nil inside a composite value always prints as <nil>.
      return verb === 'v' || depth > 0 ? pad('<nil>', spec) : badVerb(verb, null);
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v), spec) : badVerb(verb, v);
    case 'int':
      return fmtInt(v as number | bigint, verb, spec);
    case 'float':
      return fmtFloatVerb(Number(v), verb, spec);
    case 'string':
      return fmtString(v as string, verb, spec);
    case 'func':
      return verb === 'v' ? pad('<func>', spec) : badVerb(verb, v);
    case 'slice': {
      const items = Array.from(v as ArrayLike<unknown>, (x) => formatValue(x, verb, spec, depth + 1));
      return `[${items.join(' ')}]`;
    }
    case 'map': {
      // An empty object as a map *value* is taken for Go's struct{} (docker's ExposedPorts and
      // Volumes are map[string]struct{}), which prints as {}.
      const item = (x: unknown) => (isEmptyPlainObject(x) ? '{}' : formatValue(x, verb, spec, depth + 1));
      const items = mapEntries(v as object).map(([k, x]) => `${formatValue(k, verb, spec, depth + 1)}:${item(x)}`);
      return `map[${items.join(' ')}]`;
    }
    case 'struct': {
      const items = structFields(v as object).map(
        ([k, x]) => (spec.plusV ? `${k}:` : '') + formatValue(x, verb, spec, depth + 1),
      );
      return `{${items.join(' ')}}`;
    }
  }
}

function isEmptyPlainObject(x: unknown): boolean {
  return kindOf(x) === 'map' && !(x instanceof Map) && Object.keys(x as object).length === 0;
}

/** Go's fmt.Sprint: operands printed with %v, spaces between operands when neither is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a ?? null, 'v');
  });
  return out;
}

/** Go's fmt.Sprintln: operands always separated by spaces, plus a newline. */
export function sprintln(args: unknown[]): string {
  return `${args.map((a) => formatValue(a ?? null, 'v')).join(' ')}\n`;
}

/** Go's fmt.Sprintf. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  const nextInt = (): number | null => {
    const a = args[argi++];
    return typeof a === 'number' && Number.isInteger(a) ? a : null;
  };
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { ...PLAIN };
    for (; i < format.length && '+-# 0'.includes(format[i]); i++) {
      const f = format[i];
      if (f === '+') spec.plus = true;
      else if (f === '-') spec.minus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else spec.zero = true;
    }
    if (format[i] === '*') {
      i++;
      spec.width = nextInt();
      if (spec.width !== null && spec.width < 0) {
        spec.minus = true;
        spec.width = -spec.width;
      }
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        spec.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        spec.prec = nextInt();
      } else {
        const m = /^\d+/.exec(format.slice(i));
        spec.prec = m ? Number(m[0]) : 0;
        i += m ? m[0].length : 0;
      }
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 37);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++] ?? null;
    if (verb === 'v' && spec.plus) {
      spec.plus = false;
      spec.plusV = true;
    }
    out += verb === 'w' ? formatValue(arg, 'v', spec) : formatValue(arg, verb, spec);
  }
  if (argi < args.length) {
    const extra = args.slice(argi).map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${formatValue(a, 'v')}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
