/**
 * An event as `docker events` prints it: the default line
 * (`2026-11-22T10:33:36.123456789Z container start <id> (image=busybox, name=x)`) and the Go
 * struct (`*events.Message`) a `--format` template sees.
 */
import { GO_MARSHAL_JSON, GO_TYPE } from '../../lib/gotemplate/index.js';
import { goJSON } from '../../lib/go-json.js';
import type { EventMessage } from '../../spec/engine/types.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's `time.Unix(0, ns).Format("2006-01-02T15:04:05.000000000Z07:00")` in local time. */
export function rfc3339NanoFixed(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const frac = String(((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).padStart(9, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${frac}${zone}`;
}

/** The exact `timeNano` of a raw event line (a double cannot hold it). */
function timeNanoOf(raw: string, m: EventMessage): bigint {
  const match = /"timeNano":(\d+)/.exec(raw);
  if (match) return BigInt(match[1]);
  return BigInt(m.time ?? 0) * 1_000_000_000n;
}

/** docker's prettyPrintEvent. */
export function prettyEvent(raw: string, m: EventMessage): string {
  let out = '';
  const nanos = timeNanoOf(raw, m);
  if (nanos !== 0n) out += `${rfc3339NanoFixed(nanos)} `;
  out += `${m.Type ?? ''} ${m.Action ?? ''} ${m.Actor?.ID ?? ''}`;
  const attrs = m.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  if (keys.length) out += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return `${out}\n`;
}

/** The `*events.Message` a template sees; `{{json .}}` gives Go's marshalling of it. */
export function eventContext(raw: string, m: EventMessage): object {
  const nanos = timeNanoOf(raw, m);
  const attrs = m.Actor?.Attributes ?? null;
  const actor = { [GO_TYPE]: 'events.Actor', ID: m.Actor?.ID ?? '', Attributes: attrs };
  const legacy = m as EventMessage & { status?: string; id?: string; from?: string };
  return {
    [GO_TYPE]: '*events.Message',
    Status: legacy.status ?? '',
    ID: legacy.id ?? '',
    From: legacy.from ?? '',
    Type: m.Type ?? '',
    Action: m.Action ?? '',
    Actor: actor,
    Scope: m.scope ?? '',
    Time: m.time ?? 0,
    TimeNano: nanos.toString(),
    [GO_MARSHAL_JSON]: () => {
      const head: Record<string, unknown> = {};
      if (legacy.status) head.status = legacy.status;
      if (legacy.id) head.id = legacy.id;
      if (legacy.from) head.from = legacy.from;
      const sorted = attrs ? Object.fromEntries(Object.keys(attrs).sort().map((k) => [k, attrs[k]])) : null;
      const body = { ...head, Type: m.Type ?? '', Action: m.Action ?? '', Actor: { ID: m.Actor?.ID ?? '', Attributes: sorted }, scope: m.scope ?? '', time: m.time ?? 0 };
      return `${goJSON(body).slice(0, -1)},"timeNano":${nanos}}`;
    },
  };
}
