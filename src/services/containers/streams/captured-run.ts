import type { ShimConnection } from '../../../plugins/shim/attach-shim.js';
import type { ExecRecord } from './exec-store.js';

/** After a probe's timeout, how long its process has between SIGTERM and SIGKILL (dockerd's termProcessTimeout). */
const TERM_GRACE_MS = 10_000;
/** Reported when the shim vanished without an exit record (killed): the status is unknown. */
const UNKNOWN_EXIT = 255;

/** What ExecService.runCaptured gives back. */
export interface CapturedRun {
  exitCode: number;
  output: string;
  timedOut: boolean;
  /** Resolves once the process is gone (at once unless it timed out). */
  settled: Promise<void>;
}

/**
 * Reads a started exec to its end as dockerd's health probe does: the first `maxOutput` bytes of
 * stdout and stderr together; past `timeoutMs` the result says so at once and the process gets
 * SIGTERM, then SIGKILL 10 s later.
 */
export async function captureRun(conn: ShimConnection, rec: ExecRecord, o: { timeoutMs: number; maxOutput: number }): Promise<CapturedRun> {
  let out = Buffer.alloc(0);
  conn.onData((_stream, data) => {
    if (out.length < o.maxOutput) out = Buffer.concat([out, data.subarray(0, o.maxOutput - out.length)]);
  });
  const settled = new Promise<number>((resolve) => {
    conn.onExit((e) => resolve(e.exitCode));
    conn.onClose(() => resolve(rec.exitCode ?? UNKNOWN_EXIT));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), o.timeoutMs);
  });
  const first = await Promise.race([settled, timedOut]);
  clearTimeout(timer);
  if (first !== true) return { exitCode: first, output: out.toString('utf8'), timedOut: false, settled: Promise.resolve() };
  const signal = (sig: NodeJS.Signals) => {
    if (!rec.running || !rec.pid) return;
    try {
      process.kill(rec.pid, sig);
    } catch {
      /* gone already */
    }
  };
  signal('SIGTERM');
  const kill = setTimeout(() => signal('SIGKILL'), TERM_GRACE_MS);
  return { exitCode: -1, output: '', timedOut: true, settled: settled.then(() => clearTimeout(kill)) };
}
