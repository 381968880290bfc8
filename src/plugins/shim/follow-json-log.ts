/**
 * Following a live json-file log (`docker logs -f`): read what the shim appends, and when the
 * shim rotates (renames FILE to FILE.1 and starts a new FILE), finish the old file through the
 * handle still open on it, then continue with the next newer file from its start (a rotated
 * one if the log rotated more than once meanwhile). inotify on the directory says when to look;
 * a slow poll covers a missed event.
 */
import { type FSWatcher, promises as fs, watch } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../../errdefs/index.js';
import type { EntryFilter, JsonLogEntry, ReadJsonLogOptions } from './json-log-reader.js';
import { LineReader } from './log-file-lines.js';
import { toNanos } from './log-time.js';

/** Where following starts: the live file's reader positioned where history reading stopped. */
export interface FollowState {
  file: string;
  reader: LineReader | undefined;
  ino: number | undefined;
  filter: EntryFilter;
  opts: ReadJsonLogOptions;
}

/** Wakes the follower; a notify() that comes before wait() is not lost. */
class Waker {
  private pending = false;
  private wakeUp: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /** Forgets earlier notifications: called just before the follower looks at the file. */
  reset(): void {
    this.pending = false;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

function watchDir(file: string, waker: Waker): FSWatcher | undefined {
  const base = path.basename(file);
  try {
    const w = watch(path.dirname(file), { persistent: false }, (_event, name) => {
      if (!name || name.toString().startsWith(base)) waker.notify();
    });
    w.on('error', () => {
      /* e.g. the directory was removed; the poll still runs */
    });
    return w;
  } catch {
    return undefined; // out of inotify watches: poll only
  }
}

async function inodeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).ino;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined; // mid-rotation: renamed, not yet recreated
    throw err;
  }
}

/**
 * The log's files newest first (FILE, FILE.1, FILE.2, …) with their inodes. A rotation renames
 * them one by one, so one index may be missing for a moment: scanning stops at the second
 * consecutive gap, not the first.
 */
async function listFiles(file: string): Promise<{ name: string; ino: number }[]> {
  const found: { name: string; ino: number }[] = [];
  for (let i = 0, misses = 0; misses < 2; i++) {
    const name = i === 0 ? file : `${file}.${i}`;
    const ino = await inodeOf(name);
    if (ino === undefined) {
      if (i > 0) misses++;
      continue;
    }
    misses = 0;
    found.push({ name, ino });
  }
  return found;
}

/**
 * Opens the file written right after the one with inode `done` (the follower finished it and
 * FILE is no longer it). Several rotations may have happened since: then that is a rotated file,
 * and the next call continues from it, so no file in between is skipped. If `done` was already
 * deleted (max-file reached), the oldest file left is next. Undefined while nothing is newer yet.
 */
async function openNext(file: string, done: number): Promise<FileHandle | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const files = await listFiles(file);
    const pos = files.findIndex((f) => f.ino === done);
    const next = pos === -1 ? files[files.length - 1] : files[pos - 1];
    if (!next) return undefined;
    const handle = await fs.open(next.name, 'r').catch(() => undefined);
    // The names may have shifted between listing and opening: only the expected inode will do.
    if (handle && (await handle.stat()).ino === next.ino) return handle;
    await handle?.close();
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

/** Yields the entries of everything readable now; returns 'stop', or whether there were lines. */
async function* drain(reader: LineReader, filter: EntryFilter, signal?: AbortSignal): AsyncGenerator<JsonLogEntry, 'stop' | boolean> {
  let got = false;
  for (let more = true; more; ) {
    const batch = await reader.read();
    more = batch.more;
    for (const raw of batch.lines) {
      got = true;
      const e = filter(raw);
      if (e === 'stop' || signal?.aborted) return 'stop';
      if (e !== 'skip') yield e;
    }
  }
  return got;
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** Follows the live log until stopFollowing settles, `until` passes, or `signal` aborts. */
export async function* followLog(st: FollowState): AsyncGenerator<JsonLogEntry> {
  const { file, filter, opts } = st;
  const signal = opts.signal;
  const untilNs = opts.until === undefined ? undefined : toNanos(opts.until);
  const pollMs = opts.pollMs ?? 1000;
  const waker = new Waker();
  let stopping = false;
  const stop = () => {
    stopping = true;
    waker.notify();
  };
  opts.stopFollowing?.then(stop, stop);
  const onAbort = () => waker.notify();
  signal?.addEventListener('abort', onAbort);
  const watcher = watchDir(file, waker);
  let { reader, ino } = st;
  let owned: FileHandle | undefined; // a handle this function opened (after a rotation)
  try {
    for (;;) {
      if (signal?.aborted) return;
      // Decided before reading, so that what was written before the stop is still read.
      const stopNow = stopping || (untilNs !== undefined && nowNs() > untilNs);
      waker.reset();
      if (reader) {
        const r = yield* drain(reader, filter, signal);
        if (r === 'stop') return;
        if (r) continue;
      }
      const current = await inodeOf(file);
      if (current !== undefined && current !== ino) {
        // Rotated: the old file may have got lines after our last read and before the rename.
        if (reader && (yield* drain(reader, filter, signal)) === 'stop') return;
        const handle = ino === undefined ? await fs.open(file, 'r').catch(() => undefined) : await openNext(file, ino);
        if (handle) {
          await owned?.close();
          owned = handle;
          reader = new LineReader(handle, 0);
          ino = (await handle.stat()).ino;
          continue;
        }
      }
      if (stopNow) return;
      const untilMs = untilNs === undefined ? pollMs : Number((untilNs - nowNs()) / 1_000_000n) + 1;
      await waker.wait(Math.max(1, Math.min(pollMs, untilMs)));
    }
  } finally {
    watcher?.close();
    signal?.removeEventListener('abort', onAbort);
    await owned?.close();
  }
}
