/**
 * Docker's daemon reads an image config into Go structs and writes them back out, so what
 * `inspect` shows is the config as Go re-encodes it: fields in struct order, `omitempty` fields
 * dropped when empty, map keys sorted, times in RFC 3339 with trailing zeros trimmed. These helpers
 * reproduce that so `docker image inspect` output matches dockerd's for the same image.
 */
import type { HealthConfig, ImageRunConfig } from '../../spec/oci/image.js';

/** Go's zero time as RFC 3339. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

interface ParsedTime {
  /** Seconds since the epoch (UTC). */
  seconds: number;
  /** Nanoseconds within the second. */
  nanos: number;
  /** The offset as written (`Z` or `±hh:mm`). */
  offset: string;
  /** The wall-clock part as written, without fraction. */
  wall: string;
}

function parseTime(s: string | undefined): ParsedTime | undefined {
  const m = s ? TIME_RE.exec(s) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac = '', off] = m;
  let offMin = 0;
  if (off !== 'Z' && off !== 'z') offMin = (off!.startsWith('-') ? -1 : 1) * (Number(off!.slice(1, 3)) * 60 + Number(off!.slice(4, 6)));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se)) / 1000 - offMin * 60;
  return {
    seconds: utc,
    nanos: Number(frac.slice(0, 9).padEnd(9, '0')),
    offset: offMin === 0 ? 'Z' : off!,
    wall: `${y}-${mo}-${d}T${h}:${mi}:${se}`,
  };
}

/** A config time re-encoded as Go's RFC3339Nano; Go's zero time when absent or unparsable. */
export function goRFC3339Nano(s: string | undefined): string {
  const t = parseTime(s);
  if (!t) return GO_ZERO_TIME;
  const frac = t.nanos === 0 ? '' : `.${String(t.nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${t.wall}${frac}${t.offset}`;
}

/** Unix seconds of a config time (Go's `Time.Unix()`); Go's zero time when absent. */
export function unixSeconds(s: string | undefined): number {
  return parseTime(s)?.seconds ?? -62135596800;
}

/** Nanoseconds since the epoch, for exact before/after comparisons. */
export function unixNanos(s: string | undefined): bigint {
  const t = parseTime(s);
  if (!t) return -62135596800n * 1_000_000_000n;
  return BigInt(t.seconds) * 1_000_000_000n + BigInt(t.nanos);
}

/** The current time as RFC 3339 with nanoseconds (Go's `time.Now().UTC()` format). */
export function nowRFC3339Nano(): string {
  const ms = Date.now();
  const sub = Number(process.hrtime.bigint() % 1_000_000n);
  const iso = new Date(ms).toISOString();
  const nanos = (ms % 1000) * 1_000_000 + sub;
  const frac = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${iso.slice(0, 19)}${frac}Z`;
}

function sortedMap<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/** A Go map field: null stays null, keys sorted. */
function goMap<T>(m: Record<string, T> | null | undefined): Record<string, T> | null {
  return m === null || m === undefined ? null : sortedMap(m);
}

function goHealth(h: HealthConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (h.Test && h.Test.length > 0) out.Test = h.Test;
  if (h.Interval) out.Interval = h.Interval;
  if (h.Timeout) out.Timeout = h.Timeout;
  if (h.StartPeriod) out.StartPeriod = h.StartPeriod;
  if (h.StartInterval) out.StartInterval = h.StartInterval;
  if (h.Retries) out.Retries = h.Retries;
  return out;
}

/**
 * Docker's container.Config (API 1.41) as Go encodes it. `null` for an absent config pointer;
 * `zeroForNull` gives the zero struct instead (ContainerConfig is a value, never null).
 */
export function goContainerConfig(c: ImageRunConfig | null | undefined, zeroForNull = false): Record<string, unknown> | null {
  if (c === null || c === undefined) {
    if (!zeroForNull) return null;
    c = {};
  }
  const out: Record<string, unknown> = {
    Hostname: c.Hostname ?? '',
    Domainname: c.Domainname ?? '',
    User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
  };
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length > 0) out.ExposedPorts = sortedMap(c.ExposedPorts);
  out.Tty = c.Tty ?? false;
  out.OpenStdin = c.OpenStdin ?? false;
  out.StdinOnce = c.StdinOnce ?? false;
  out.Env = c.Env ?? null;
  out.Cmd = c.Cmd ?? null;
  if (c.Healthcheck) out.Healthcheck = goHealth(c.Healthcheck);
  if (c.ArgsEscaped) out.ArgsEscaped = true;
  out.Image = c.Image ?? '';
  out.Volumes = goMap(c.Volumes);
  out.WorkingDir = c.WorkingDir ?? '';
  out.Entrypoint = c.Entrypoint ?? null;
  if (c.NetworkDisabled) out.NetworkDisabled = true;
  if (c.MacAddress) out.MacAddress = c.MacAddress;
  out.OnBuild = c.OnBuild ?? null;
  out.Labels = goMap(c.Labels);
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.StopTimeout !== undefined && c.StopTimeout !== null) out.StopTimeout = c.StopTimeout;
  if (c.Shell && c.Shell.length > 0) out.Shell = c.Shell;
  return out;
}
