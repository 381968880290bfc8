import { invalidArgument } from '../../errdefs/index.js';

/** A point in time with the nanosecond precision of log timestamps: a Date, or ns since the epoch. */
export type LogTime = Date | bigint;

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Nanoseconds since the epoch of an RFC 3339 timestamp with up to 9 fraction digits. */
export function parseLogTime(text: string): bigint {
  const m = RFC3339.exec(text);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : Number.NaN;
  if (!m || Number.isNaN(ms)) throw invalidArgument(`invalid timestamp ${JSON.stringify(text)}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** A LogTime as nanoseconds since the epoch. */
export function toNanos(t: LogTime): bigint {
  return typeof t === 'bigint' ? t : BigInt(t.getTime()) * 1_000_000n;
}

/**
 * Go's RFC3339NanoFixed in UTC (`2006-01-02T15:04:05.000000000Z`): what `docker logs -t` prints
 * before each line. Fixed width, unlike the trimmed RFC3339Nano stored in the file.
 */
export function formatFixedNanos(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(9, '0')}Z`;
}
