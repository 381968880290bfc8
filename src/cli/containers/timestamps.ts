/**
 * docker's api/types/time GetTimestamp: turns `--since`/`--until` values (a Go duration before
 * now, an RFC 3339-like date or time, or a unix timestamp) into the `seconds[.nanoseconds]`
 * string the API takes.
 */
import { parseGoDuration } from './go-duration.js';

interface Layout {
  /** Go layout name, for error messages. */
  go: string;
  re: RegExp;
}

// Groups: year, month, day, hour, minute, second, fraction, zone.
const D = '(\\d{4})-(\\d{2})-(\\d{2})';
const Z = '(Z|z|[+-]\\d{2}:\\d{2})';
const LAYOUTS = {
  nanoLocal: { go: '2006-01-02T15:04:05.999999999', re: new RegExp(`^${D}T(\\d{2}):(\\d{2}):(\\d{2})(\\.\\d+)?()$`) },
  nano: { go: '2006-01-02T15:04:05.999999999Z07:00', re: new RegExp(`^${D}T(\\d{2}):(\\d{2}):(\\d{2})(\\.\\d+)?${Z}$`) },
  h: { go: '2006-01-02T15', re: new RegExp(`^${D}T(\\d{2})()()()()$`) },
  hm: { go: '2006-01-02T15:04', re: new RegExp(`^${D}T(\\d{2}):(\\d{2})()()()$`) },
  hmsLocal: { go: '2006-01-02T15:04:05', re: new RegExp(`^${D}T(\\d{2}):(\\d{2}):(\\d{2})()()$`) },
  hZ: { go: '2006-01-02T15Z07:00', re: new RegExp(`^${D}T(\\d{2})()()()${Z}$`) },
  hmZ: { go: '2006-01-02T15:04Z07:00', re: new RegExp(`^${D}T(\\d{2}):(\\d{2})()()${Z}$`) },
  hmsZ: { go: '2006-01-02T15:04:05Z07:00', re: new RegExp(`^${D}T(\\d{2}):(\\d{2}):(\\d{2})()${Z}$`) },
  date: { go: '2006-01-02', re: new RegExp(`^${D}()()()()()$`) },
  dateZ: { go: '2006-01-02Z07:00', re: new RegExp(`^${D}()()()()${Z}$`) },
} satisfies Record<string, Layout>;

function pickLayout(value: string, inLocation: boolean): Layout {
  if (value.includes('.')) return inLocation ? LAYOUTS.nanoLocal : LAYOUTS.nano;
  if (value.includes('T')) {
    let colons = value.split(':').length - 1;
    if (!inLocation && !/[zZ]/.test(value) && colons > 0) colons--;
    if (inLocation) return colons === 0 ? LAYOUTS.h : colons === 1 ? LAYOUTS.hm : LAYOUTS.hmsLocal;
    return colons === 0 ? LAYOUTS.hZ : colons === 1 ? LAYOUTS.hmZ : LAYOUTS.hmsZ;
  }
  return inLocation ? LAYOUTS.date : LAYOUTS.dateZ;
}

/** Go's time.Parse range check: the first field out of range, or undefined. */
function outOfRange(y: number, mo: number, d: number, h: number, mi: number, s: number): string | undefined {
  if (mo < 1 || mo > 12) return 'month';
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > days) return 'day';
  if (h > 23) return 'hour';
  if (mi > 59) return 'minute';
  if (s > 59) return 'second';
  return undefined;
}

/** Parses with a layout into [unix seconds, nanoseconds], or null; throws Go's range errors. */
function parseWith(layout: Layout, value: string): [number, number] | null {
  const m = layout.re.exec(value);
  if (!m) return null;
  const [, y, mo, d, h = '', mi = '', s = '', frac = '', zone = ''] = m;
  const n = (x: string) => (x === '' ? 0 : Number(x));
  const parts = [n(y), n(mo) - 1, n(d), n(h), n(mi), n(s)] as const;
  const bad = outOfRange(n(y), n(mo), n(d), n(h), n(mi), n(s));
  if (bad) throw new Error(`parsing time ${JSON.stringify(value)}: ${bad} out of range`);
  let ms: number;
  if (zone === '') ms = new Date(...parts).getTime();
  else {
    ms = Date.UTC(...parts);
    if (!/^[zZ]$/.test(zone)) {
      const off = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60000;
      ms -= zone[0] === '-' ? -off : off;
    }
  }
  const nanos = frac ? Number(frac.slice(1).padEnd(9, '0').slice(0, 9)) : 0;
  return [Math.floor(ms / 1000), nanos];
}

function isUnixTimestamp(value: string): boolean {
  return /^[+-]?\d+(\.[+-]?\d+)?$/.test(value);
}

/**
 * GetTimestamp(value, now): `10m` → `now-10m` in whole seconds; a date → `sec.nanosec`; a unix
 * timestamp as is. Throws docker's messages.
 */
export function getTimestamp(value: string, now: number = Date.now()): string {
  if (value !== '0') {
    try {
      const d = parseGoDuration(value);
      return String(Math.floor((now - d / 1e6) / 1000));
    } catch {
      // Not a duration: a time.
    }
  }
  const inLocation = !/[zZ+]/.test(value) && value.split('-').length - 1 !== 3;
  const layout = pickLayout(value, inLocation);
  const t = parseWith(layout, value);
  if (t) return `${t[0]}.${String(t[1]).padStart(9, '0')}`;
  if (value.includes('-')) throw new Error(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout.go)}: cannot parse ${JSON.stringify(value)} as ${JSON.stringify(layout.go)}`);
  if (!isUnixTimestamp(value)) throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  return value;
}
