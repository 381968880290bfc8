/**
 * Reads a container's json-file log the way `docker logs` does: the rotated files oldest first
 * (FILE.N … FILE.1), then the live FILE, optionally only the last `tail` entries, filtered by
 * `since`/`until`, and with `follow` keeps reading what the shim appends, across rotations.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { errnoCode } from '../../errdefs/index.js';
import { followLog } from './follow-json-log.js';
import { endOfLastLine, LineReader, tailLines } from './log-file-lines.js';
import { formatFixedNanos, type LogTime, parseLogTime, toNanos } from './log-time.js';

/** One log entry as `docker logs` shows it. */
export interface JsonLogEntry {
  stream: 'stdout' | 'stderr';
  /** The entry's time as stored (RFC 3339 with nanoseconds, UTC). */
  time: string;
  /** The same, in nanoseconds since the epoch. */
  timeNs: bigint;
  /** The text (with its '\n' unless it was a partial line); prefixed with the fixed-width time
   * and a space when `timestamps` is set, as `docker logs -t` prints it. */
  line: Buffer;
}

export interface ReadJsonLogOptions {
  /** After the existing entries, keep reading appended ones until stopped. */
  follow?: boolean;
  /** Only the last N entries of the existing log (before `since` filtering, as Docker). Negative
   * or undefined: all. */
  tail?: number;
  /** Skip entries older than this. */
  since?: LogTime;
  /** Stop at the first entry newer than this (and, following, once this time has passed). */
  until?: LogTime;
  timestamps?: boolean;
  /** Following ends when this settles, after reading what was written until then (e.g. the
   * container's exit: the shim has flushed its log before it reports the exit). */
  stopFollowing?: PromiseLike<unknown>;
  /** Ends reading at once (the client went away). */
  signal?: AbortSignal;
  /** Fallback poll interval while following, in case a file event is missed; default 1000 ms. */
  pollMs?: number;
}

/** What the reader holds open: rotated files oldest first, then the live file. */
interface Snapshot {
  rotated: { handle: FileHandle; size: number }[];
  live?: { handle: FileHandle; size: number; ino: number };
}

async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await fs.open(file, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Opens the live file first, then FILE.1, FILE.2, … until two are missing. A rotation racing
 * this makes a rotated name point at a file already open (same inode): it is skipped, so no
 * entry is read twice; entries the new live file got meanwhile are found by following.
 */
async function openSnapshot(file: string): Promise<Snapshot> {
  const snap: Snapshot = { rotated: [] };
  const seen = new Set<number>();
  const live = await openIfExists(file);
  if (live) {
    const st = await live.stat();
    snap.live = { handle: live, size: st.size, ino: st.ino };
    seen.add(st.ino);
  }
  // A rotation in progress may leave one index missing for a moment: stop at the second gap.
  for (let i = 1, misses = 0; misses < 2; i++) {
    const h = await openIfExists(`${file}.${i}`);
    if (!h) {
      misses++;
      continue;
    }
    misses = 0;
    const st = await h.stat();
    if (seen.has(st.ino)) {
      await h.close();
      continue;
    }
    seen.add(st.ino);
    snap.rotated.unshift({ handle: h, size: st.size });
  }
  return snap;
}

/** Decodes one line of the file; undefined for a torn or foreign line. */
export function parseEntry(raw: Buffer, timestamps = false): JsonLogEntry | undefined {
  let rec: { log?: unknown; stream?: unknown; time?: unknown };
  try {
    rec = JSON.parse(raw.toString('utf8')) as typeof rec;
  } catch {
    return undefined;
  }
  if (!rec || typeof rec.time !== 'string') return undefined;
  let timeNs: bigint;
  try {
    timeNs = parseLogTime(rec.time);
  } catch {
    return undefined;
  }
  let line = Buffer.from(typeof rec.log === 'string' ? rec.log : '', 'utf8');
  if (timestamps) line = Buffer.concat([Buffer.from(`${formatFixedNanos(timeNs)} `), line]);
  return { stream: rec.stream === 'stderr' ? 'stderr' : 'stdout', time: rec.time, timeNs, line };
}

/** Applies since/until: 'skip', 'stop' (past until: Docker ends the stream there) or the entry. */
export type EntryFilter = (raw: Buffer) => JsonLogEntry | 'skip' | 'stop';

function makeFilter(o: ReadJsonLogOptions): EntryFilter {
  const since = o.since === undefined ? undefined : toNanos(o.since);
  const until = o.until === undefined ? undefined : toNanos(o.until);
  return (raw) => {
    const e = parseEntry(raw, o.timestamps);
    if (!e || (since !== undefined && e.timeNs < since)) return 'skip';
    if (until !== undefined && e.timeNs > until) return 'stop';
    return e;
  };
}

/** Every line of the rotated files, then of the live file up to its size when opened. */
async function* fullHistory(snap: Snapshot, live: LineReader | undefined): AsyncGenerator<Buffer[]> {
  const parts = snap.rotated.map((r) => ({ reader: new LineReader(r.handle, 0), end: r.size }));
  if (live && snap.live) parts.push({ reader: live, end: snap.live.size });
  for (const { reader, end } of parts) {
    for (let more = true; more; ) {
      const batch = await reader.read(end);
      more = batch.more;
      yield batch.lines;
    }
  }
}

/**
 * The log at `file` as entries, oldest first. Without `follow` it ends at the end of what
 * existed when called. Break out of the loop, or abort `signal`, to stop early; open files are
 * closed either way.
 */
export async function* readJsonLog(file: string, opts: ReadJsonLogOptions = {}): AsyncGenerator<JsonLogEntry> {
  const filter = makeFilter(opts);
  const snap = await openSnapshot(file);
  try {
    const tail = opts.tail !== undefined && opts.tail >= 0 ? opts.tail : undefined;
    let live: LineReader | undefined;
    let history: AsyncIterable<Buffer[]>;
    if (tail === undefined) {
      // One reader for the live file: following continues exactly where history stopped.
      live = snap.live && new LineReader(snap.live.handle, 0);
      history = fullHistory(snap, live);
    } else {
      const files = snap.live ? [...snap.rotated, snap.live] : snap.rotated;
      const lines = await tailLines(files, tail);
      history = (async function* () {
        yield lines;
      })();
      live = snap.live && new LineReader(snap.live.handle, await endOfLastLine(snap.live.handle, snap.live.size));
    }
    for await (const lines of history) {
      for (const raw of lines) {
        const e = filter(raw);
        if (e === 'stop') return;
        if (e !== 'skip') yield e;
        if (opts.signal?.aborted) return;
      }
    }
    if (!opts.follow || opts.signal?.aborted) return;
    yield* followLog({ file, reader: live, ino: snap.live?.ino, filter, opts });
  } finally {
    for (const r of snap.rotated) await r.handle.close();
    await snap.live?.handle.close();
  }
}
