/**
 * `GET /containers/{id}/logs`: the container's json-file log (written by its shim, rotated files
 * included) as Docker sends it: multiplexed frames without a tty, raw bytes with one. Following
 * (`follow=1`) only happens while the container runs, and ends when it exits (dockerd follows
 * only a live log driver, which closes at exit).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { invalidArgument, notImplemented } from '../../../errdefs/index.js';
import { readJsonLog } from '../../../plugins/shim/json-log-reader.js';
import { parseDockerTimestamp } from './docker-timestamp.js';
import { muxFrame, StdStream } from './stdcopy.js';
import type { StreamContainers } from './stream-deps.js';

/** The logs query, as strings where Docker parses them itself. */
export interface LogsOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Unix seconds with an optional fraction (the CLI converts durations and dates). */
  since?: string;
  until?: string;
  timestamps: boolean;
  /** `all` or a count; anything unparsable means all, as in dockerd. */
  tail?: string;
}

/** Validated logs request: the route starts the response with the type for `tty`, then writes. */
export interface PreparedLogs {
  tty: boolean;
  /** Writes the log to `out` (not ending it); stops early when `signal` aborts. */
  writeTo(out: Writable, signal: AbortSignal): Promise<void>;
}

/** `tail` as dockerd reads it: strconv.Atoi, with failure (e.g. `all`) meaning every line. */
function parseTail(tail: string | undefined): number {
  if (tail === undefined || !/^[+-]?\d+$/.test(tail)) return -1;
  return Number(tail);
}

export class LogsService {
  constructor(private readonly d: { containers: StreamContainers }) {}

  /**
   * Checks what dockerd checks before the 200: at least one stream, the container, a driver
   * that can be read (`none` cannot: NotImplemented), parsable since/until.
   */
  prepare(idOrName: string, o: LogsOptions): PreparedLogs {
    if (!o.stdout && !o.stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
    const record = this.d.containers.get(idOrName);
    if (record.hostConfig.LogConfig?.Type === 'none') throw notImplemented('configured logging driver does not support reading');
    const since = o.since ? parseDockerTimestamp(o.since) : undefined;
    const until = o.until && o.until !== '0' ? parseDockerTimestamp(o.until) : undefined;
    const tty = record.config.Tty === true;
    const id = record.id;
    return {
      tty,
      writeTo: async (out, signal) => {
        let unsubscribe = () => {};
        let follow = o.follow;
        let stopFollowing: Promise<void> | undefined;
        if (follow) {
          // Subscribe before looking at the state, so an exit in between is not missed.
          stopFollowing = new Promise((resolve) => {
            unsubscribe = this.d.containers.onExit(id, () => resolve());
          });
          const status = this.d.containers.find(id)?.state.status;
          follow = status === 'running' || status === 'paused';
        }
        try {
          const entries = readJsonLog(record.logPath, {
            follow,
            tail: parseTail(o.tail),
            since,
            until,
            timestamps: o.timestamps,
            stopFollowing,
            signal,
          });
          for await (const e of entries) {
            if (e.stream === 'stdout' ? !o.stdout : !o.stderr) continue;
            const bytes = tty ? e.line : muxFrame(e.stream === 'stdout' ? StdStream.Stdout : StdStream.Stderr, e.line);
            if (bytes.length > 0 && !out.write(bytes)) await drainOrClose(out, signal);
            if (signal.aborted) break;
          }
        } finally {
          unsubscribe();
        }
      },
    };
  }
}

/** Waits until `out` takes more, or the client is gone. */
async function drainOrClose(out: Writable, signal: AbortSignal): Promise<void> {
  if (signal.aborted || out.destroyed) return;
  const ac = new AbortController();
  const stop = () => ac.abort();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'close', { signal: ac.signal })]);
  } catch {
    /* aborted: the client went away */
  } finally {
    ac.abort();
    signal.removeEventListener('abort', stop);
  }
}
