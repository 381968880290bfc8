/**
 * Go's time.ParseDuration, used by HEALTHCHECK's `--interval`, `--timeout`, `--start-period`
 * and `--start-interval` (Docker parses them with it, so `1m30s`, `1.5h`, `300ms`, `0` are valid
 * and `10` is not).
 */
import { fail } from './errors.js';

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration string into nanoseconds; throws Go's message on bad input. */
export function parseGoDuration(s: string): number {
  const bad = (): never => fail(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') bad();
  let total = 0;
  while (rest !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(rest);
    if (!num || (num[1] === '' && (num[2] === undefined || num[2] === ''))) bad();
    const m = num as RegExpExecArray;
    rest = rest.slice(m[0].length);
    const unit = /^[^0-9.]+/.exec(rest);
    if (!unit) fail(`time: missing unit in duration ${JSON.stringify(s)}`);
    const u = (unit as RegExpExecArray)[0];
    const scale = UNITS[u];
    if (scale === undefined) fail(`time: unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(s)}`);
    rest = rest.slice(u.length);
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * scale;
  }
  return sign * Math.round(total);
}
