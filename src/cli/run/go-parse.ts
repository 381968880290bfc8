/**
 * Value parsers of the docker CLI's flags, with its exact error messages: Go's strconv integers,
 * go-units sizes (`-m 512m`), big.Rat CPU counts (`--cpus 1.5`) and ulimits. Each throws a plain
 * Error whose message is docker's; the flag layer words it as `invalid argument "x" for …`.
 */
import { ramInBytes } from '../../lib/go-units.js';

/** Go's strconv.ParseInt(s, base, bits) with its error wording. Base 0 reads 0x/0o/0b/0 prefixes. */
export function goParseInt(s: string, base = 0, bits = 64, fn = 'ParseInt'): number {
  const syntax = () => new Error(`strconv.${fn}: parsing "${s}": invalid syntax`);
  let body = s;
  let sign = 1n;
  if (fn === 'ParseInt' && (body.startsWith('-') || body.startsWith('+'))) {
    if (body[0] === '-') sign = -1n;
    body = body.slice(1);
  }
  let radix = base;
  if (base === 0) {
    radix = 10;
    const p = body.slice(0, 2).toLowerCase();
    if (p === '0x' || p === '0o' || p === '0b') {
      radix = p === '0x' ? 16 : p === '0o' ? 8 : 2;
      body = body.slice(2);
    } else if (body.length > 1 && body[0] === '0') {
      radix = 8;
      body = body.slice(1);
    }
    // Underscores are allowed between digits only with base 0.
    if (/^_|__|_$/.test(body)) throw syntax();
    body = body.replaceAll('_', '');
  }
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, radix);
  if (!body || ![...body.toLowerCase()].every((c) => digits.includes(c))) throw syntax();
  let n = 0n;
  for (const c of body.toLowerCase()) n = n * BigInt(radix) + BigInt(digits.indexOf(c));
  n *= sign;
  const max = fn === 'ParseInt' ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const min = fn === 'ParseInt' ? -(1n << BigInt(bits - 1)) : 0n;
  if (n > max || n < min) throw new Error(`strconv.${fn}: parsing "${s}": value out of range`);
  return Number(n);
}

/** opts.MemSwapBytes: `-1` (unlimited) or a RAM size. */
export function memSwapBytes(value: string): number {
  return value === '-1' ? -1 : ramInBytes(value);
}

/** opts.NanoCPUs: a rational number of CPUs (`1.5`, `3/2`, `2e-1`) in units of 1e-9 CPUs. */
export function nanoCpus(value: string): number {
  const fail = () => new Error(`failed to parse ${value} as a rational number`);
  let num: bigint;
  let den: bigint;
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(value);
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
  if (frac) {
    num = BigInt(frac[1]);
    den = BigInt(frac[2]);
    if (den === 0n) throw fail();
  } else if (dec && (dec[2] || dec[3])) {
    const [, sign, int = '', fracDigits = '', exp = '0'] = dec;
    num = BigInt(`${sign}${int}${fracDigits}` || '0');
    den = 10n ** BigInt(fracDigits.length);
    const e = Number(exp);
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else throw fail();
  const scaled = num * 1_000_000_000n;
  if (scaled % den !== 0n) throw new Error('value is too precise');
  return Number(scaled / den);
}

/** Names `--ulimit` accepts (go-units ulimitNameMapping). */
const ULIMIT_NAMES = new Set([
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
]);

/** One `--ulimit name=soft[:hard]` as the API's Ulimit (key order as Go marshals it). */
export interface Ulimit {
  Name: string;
  Hard: number;
  Soft: number;
}

/** go-units ParseUlimit. */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf('=');
  if (eq < 0) throw new Error(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  const limits = val.slice(eq + 1);
  if (!ULIMIT_NAMES.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const parts = limits.split(':');
  if (parts.length > 2) throw new Error(`too many limit value arguments - ${limits}, can only have up to two, \`soft[:hard]\``);
  const hardGiven = parts.length === 2 ? goParseInt(parts[1], 10) : undefined;
  const soft = goParseInt(parts[0], 10);
  const hard = hardGiven ?? soft;
  if (hard !== -1 && soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Hard: hard, Soft: soft };
}
