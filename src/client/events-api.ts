import type { IncomingMessage } from 'node:http';
import type { EventMessage } from '../spec/engine/types.js';
import { type ApiCaller, filtersParam } from './api-caller.js';

export interface EventsOptions {
  /** Unix timestamps (`1700000000.000000000`) as the docker CLI computes them. */
  since?: string;
  until?: string;
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}

/** `GET /events`: newline-delimited JSON messages, streamed until `until` (or forever). */
export class EventsApi {
  constructor(private readonly api: ApiCaller) {}

  stream(opts: EventsOptions = {}): Promise<IncomingMessage> {
    const query = { filters: filtersParam(opts.filters), since: opts.since || undefined, until: opts.until || undefined };
    return this.api.call('GET', '/events', { query, signal: opts.signal });
  }
}

/** One event as the daemon sent it: the JSON line, and its parsed value. */
export interface RawEvent {
  raw: string;
  message: EventMessage;
}

/**
 * Reads newline-delimited JSON event messages from a stream. The raw line is kept: `timeNano`
 * exceeds a double's precision, so whoever needs it exactly reads it from `raw`.
 */
export async function* readEvents(stream: AsyncIterable<Buffer | string>): AsyncGenerator<RawEvent> {
  let buf = '';
  const parse = (raw: string): RawEvent => ({ raw, message: JSON.parse(raw) as EventMessage });
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield parse(line);
      nl = buf.indexOf('\n');
    }
  }
  if (buf.trim()) yield parse(buf.trim());
}
