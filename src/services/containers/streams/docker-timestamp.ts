import { invalidArgument } from '../../../errdefs/index.js';

/**
 * Parses the `since`/`until` query values the CLI sends: Unix seconds with an optional fraction
 * (`1700000000.123456789`), as moby api/types/time ParseTimestamps. The CLI turns durations and
 * RFC 3339 dates into this form before sending. Returns nanoseconds since the epoch.
 */
export function parseDockerTimestamp(value: string): bigint {
  const dot = value.indexOf('.');
  const secText = dot < 0 ? value : value.slice(0, dot);
  const fracText = dot < 0 ? '' : value.slice(dot + 1);
  if (!/^[+-]?\d+$/.test(secText)) throw invalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(secText)}: invalid syntax`);
  if (dot >= 0 && !/^[+-]?\d+$/.test(fracText)) throw invalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(fracText)}: invalid syntax`);
  const secs = BigInt(secText);
  if (!fracText) return secs * 1_000_000_000n;
  // Go scales the fraction to nanoseconds by its digit count ("5" is 0.5 s); more than 9 digits
  // are cut to nanoseconds.
  const digits = fracText.replace(/^[+-]/, '');
  const nanos = BigInt(digits.slice(0, 9).padEnd(9, '0'));
  return secs * 1_000_000_000n + (fracText.startsWith('-') ? -nanos : nanos);
}
