import { EventEmitter } from 'node:events';
import type { EventMessage } from '../../spec/engine/types.js';

/** The in-daemon event bus behind `GET /events`. Keeps a bounded history for `--since`. */
export interface EventBus {
  publish(type: NonNullable<EventMessage['Type']>, action: string, actor: { ID: string; Attributes?: Record<string, string> }): EventMessage;
  /** Past events with timeNano in [sinceNano, untilNano]. */
  history(sinceNano?: bigint, untilNano?: bigint): EventMessage[];
  subscribe(fn: (e: EventMessage) => void): () => void;
  listenerCount(): number;
}

export interface EventBusOptions {
  /** How many past events to keep for `--since`. Docker keeps 256. */
  historySize?: number;
  now?: () => bigint;
}

/**
 * Wall-clock nanoseconds that never go backwards: the monotonic clock anchored to the wall clock
 * once (Date.now() alone has only milliseconds, and adding hrtime's sub-millisecond part to it
 * jumps back whenever that part wraps).
 */
function monotonicWallClock(): () => bigint {
  const base = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => base + process.hrtime.bigint();
}

export function createEventBus(opts: EventBusOptions = {}): EventBus {
  const size = opts.historySize ?? 1024;
  const now = opts.now ?? monotonicWallClock();
  // timeNano travels as a JSON number (a double: 256 ns steps at today's values); each event gets
  // one strictly above the last, so `--since`/`--until` and clients order them as they happened.
  let last = 0;
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const past: EventMessage[] = [];
  return {
    publish(type, action, actor) {
      let t = now();
      if (Number(t) <= last) t = BigInt(last) + 512n;
      last = Number(t);
      const e: EventMessage = {
        Type: type,
        Action: action,
        Actor: { ID: actor.ID, Attributes: actor.Attributes ?? {} },
        scope: 'local',
        time: Number(t / 1_000_000_000n),
        timeNano: Number(t),
      };
      // Docker's legacy fields, still read by docker-compose v1 and older clients.
      if (type === 'container' || type === 'image') {
        Object.assign(e, { status: action, id: actor.ID, from: actor.Attributes?.image ?? actor.Attributes?.name });
      }
      past.push(e);
      if (past.length > size) past.shift();
      emitter.emit('event', e);
      return e;
    },
    history(sinceNano, untilNano) {
      return past.filter((e) => {
        const t = BigInt(e.timeNano ?? 0);
        return (sinceNano === undefined || t >= sinceNano) && (untilNano === undefined || t <= untilNano);
      });
    },
    subscribe(fn) {
      emitter.on('event', fn);
      return () => emitter.off('event', fn);
    },
    listenerCount: () => emitter.listenerCount('event'),
  };
}
