/**
 * Go's time.ParseDuration (`1h30m`, `500ms`, `-1.5h`) in nanoseconds, with Go's error messages,
 * as docker flags and `--since 10m` use it.
 */

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration; throws `time: invalid duration "x"` and Go's other messages. */
export function parseGoDuration(s: string): number {
  const quoted = JSON.stringify(s);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== '') {
    const num = /^(\d*)(\.(\d*))?/.exec(rest);
    if (!num || (num[1] === '' && (num[3] ?? '') === '')) throw new Error(`time: invalid duration ${quoted}`);
    rest = rest.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    const mul = UNITS[unit];
    if (mul === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(`${num[1] || '0'}.${num[3] || '0'}`) * mul;
    rest = rest.slice(unit.length);
  }
  // Go's int64 nanoseconds overflow (about 292 years).
  if (total > 2 ** 63 - 1) throw new Error(`time: invalid duration ${quoted}`);
  return sign * Math.round(total);
}
