import { type FSWatcher, promises as fs, watch } from 'node:fs';
import path from 'node:path';
import { readExit, type ShimExit } from '../../../plugins/shim/read-exit.js';
import { ShimFiles } from '../../../plugins/shim/shim-paths.js';

/** How often a watched shim's liveness is re-checked, for a shim that died without exit.json. */
const LIVENESS_MS = 2000;

/** Whether the wharf-shim whose pid is in `<stateDir>/shim.pid` is alive (not a zombie). */
export async function shimAlive(stateDir: string): Promise<boolean> {
  const pid = Number.parseInt(await fs.readFile(path.join(stateDir, ShimFiles.shimPid), 'utf8').catch(() => ''), 10);
  if (!pid) return false;
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.includes('(wharf-shim') && !/\) Z /.test(stat);
}

/** What the watcher reports: the shim's exit record, or `lost` when the shim died without one. */
export type WatchedExit = { kind: 'exit'; exit: ShimExit } | { kind: 'lost' };

/** A running watch; close() stops it without reporting. */
export interface ExitWatch {
  close(): void;
}

/**
 * Learns of a container's exit from its shim state dir, never from a connection to the shim:
 * inotify (fs.watch) on the directory for exit.json (the shim writes it by rename, so a present
 * file is complete), a check right after arming (the exit may already have happened, e.g. while
 * the daemon was down), and a slow liveness check that reports `lost` for a shim that vanished
 * without writing it (kill -9 of the shim). Reports at most once.
 */
export function watchExit(stateDir: string, report: (e: WatchedExit) => void): ExitWatch {
  let done = false;
  let watcher: FSWatcher | undefined;
  let checking = false;
  let again = false;
  const finish = (e: WatchedExit) => {
    if (done) return;
    close();
    report(e);
  };
  const check = async (liveness: boolean): Promise<void> => {
    if (done) return;
    if (checking) {
      // An event during a look may be about a file that look already missed: look once more
      // after it, or the exit waits for the liveness timer (2 s on `docker run --rm`'s path).
      again = true;
      return;
    }
    checking = true;
    try {
      const exit = await readExit(stateDir).catch(() => undefined);
      if (exit) return finish({ kind: 'exit', exit });
      if (liveness && !(await shimAlive(stateDir))) {
        // The shim writes exit.json before it exits: one more look closes that race.
        const late = await readExit(stateDir).catch(() => undefined);
        finish(late ? { kind: 'exit', exit: late } : { kind: 'lost' });
      }
    } finally {
      checking = false;
    }
    if (again) {
      again = false;
      await check(false);
    }
  };
  const timer = setInterval(() => void check(true), LIVENESS_MS);
  timer.unref();
  function close() {
    done = true;
    clearInterval(timer);
    watcher?.close();
  }
  try {
    watcher = watch(stateDir, (_event, name) => {
      if (name === ShimFiles.exit) void check(false);
    });
    watcher.on('error', () => void check(true));
  } catch {
    // No directory: the shim is gone with it; the liveness check reports.
  }
  void check(false);
  return { close };
}
