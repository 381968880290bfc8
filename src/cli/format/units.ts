/**
 * docker/go-units and Go time formatting as the docker CLI prints them: human sizes (`4.26MB`,
 * decimal; `23.54GiB`, binary), relative durations (`2 minutes ago`) and Go's time layouts.
 */
import { formatFloat } from '../../lib/gotemplate/go-float.js';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]];
}

/** go-units HumanSizeWithPrecision: `%.{precision}g` of a decimal (1000-based) size. */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [v, unit] = scaled(size, 1000, DECIMAL_UNITS);
  return `${formatFloat(v, 'g', precision)}${unit}`;
}

/** go-units HumanSize: four significant digits, decimal units (`1.982MB`). */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** go-units BytesSize: binary units with four significant digits (`23.54GiB`). */
export function bytesSize(size: number): string {
  const [v, unit] = scaled(size, 1024, BINARY_UNITS);
  return `${formatFloat(v, 'g', 4)}${unit}`;
}

/** go-units HumanDuration of a duration in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3600000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3600000 / 24 / 365)} years`;
}

/** `units.HumanDuration(now - t) + " ago"` for a unix time in seconds. */
export function timeAgo(unixSeconds: number, now: number = Date.now()): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function offsetOf(d: Date): { minutes: number; text: string } {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return { minutes, text: `${sign}${pad2(Math.trunc(abs / 60))}${pad2(abs % 60)}` };
}

function zoneName(d: Date, minutes: number): string {
  if (minutes === 0 && (process.env.TZ === undefined || /^(UTC|Etc\/UTC|)$/.test(process.env.TZ))) return 'UTC';
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? offsetOf(d).text;
}

/** Go's `time.Unix(s, 0).String()` in local time: `2026-11-22 12:01:26 +0000 UTC`. */
export function goTimeString(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const { minutes, text } = offsetOf(d);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${date} ${time} ${text} ${zoneName(d, minutes)}`;
}

/** Go's `time.Unix(s, 0).Format(time.RFC3339)` in local time: `2026-11-22T12:01:25Z`. */
export function goRFC3339(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const { minutes, text } = offsetOf(d);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${date}T${time}${minutes === 0 ? 'Z' : `${text.slice(0, 3)}:${text.slice(3)}`}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The docker CLI's reformatDate: an RFC 3339 time printed in Go's ANSIC layout
 * (`Thu May  7 21:09:36 2026`, in the time's own zone); other text is returned unchanged.
 */
export function ansicDate(rfc3339: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (!m) return rfc3339;
  const [, y, mo, da, h, mi, s] = m;
  const dow = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(da))).getUTCDay();
  return `${DAYS[dow]} ${MONTHS[Number(mo) - 1]} ${String(Number(da)).padStart(2, ' ')} ${h}:${mi}:${s} ${y}`;
}
