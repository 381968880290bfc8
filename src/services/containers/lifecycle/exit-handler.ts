import type { ContainerRecord } from '../../../core/containers/container.js';
import { readOomCounters } from '../../../plugins/runtime/cgroups.js';
import type { ContainerExit } from './container-service.js';
import type { WatchedExit } from './exit-watcher.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { stoppedHealth } from './health-state.js';
import { PhaseTimer } from './phase-timer.js';
import { defersRuntimeDelete, releaseRun } from './release-run.js';
import { nowRfc3339Nano } from './status-text.js';

/** Exit code recorded for a run whose shim vanished without recording one (containerd's 255). */
const LOST_EXIT_CODE = 255;

export interface RecordExitOptions {
  /**
   * The caller's handling of this exit (its AutoRemove included), settling when done; read once
   * the lock is held. A deferred runtime delete waits for it: its Go start-up would otherwise
   * compete for the CPU with the removal that `wait?condition=removed` is waiting for.
   */
  handled?: () => Promise<unknown>;
}

/** What happens after an exit was recorded. */
export type AfterExit = { kind: 'none' } | { kind: 'restart'; delayMs: number } | { kind: 'remove' };

/**
 * Records the end of a run (caller holds the container's lock): OOM from the memory cgroup
 * (read before the runtime's delete removes it), the run released (release-run.ts: the
 * runtime's delete is deferred when the init exited in its own pid namespace),
 * State updated (exited, or restarting when the restart policy says so) and `oom`/`die`
 * published at once, then the record saved and exit listeners told. Returns what the caller
 * must do next (restart after a delay, AutoRemove). A stale report (the container is no longer
 * running) changes nothing.
 */
export async function recordExit(ctx: LifecycleContext, rec: ContainerRecord, watched: WatchedExit, opts: RecordExitOptions = {}): Promise<AfterExit> {
  const t = new PhaseTimer();
  ctx.watches.get(rec.id)?.close();
  ctx.watches.delete(rec.id);
  const s = rec.state;
  if (s.status !== 'running' && s.status !== 'paused') return { kind: 'none' };
  // A signal being sent (likely the cause of this exit) publishes its `kill` first.
  if (ctx.signals.has(rec.id)) await ctx.signals.settled(rec.id);
  const exitCode = watched.kind === 'exit' ? watched.exit.exitCode : LOST_EXIT_CODE;
  const finishedAt = watched.kind === 'exit' ? watched.exit.exitedAt : nowRfc3339Nano();
  const initExited = watched.kind === 'exit';
  // The OOM counters live in the run's memory cgroup, which the runtime's delete removes: read
  // first when the delete runs here, else concurrently with the release (the deferred delete
  // waits for the read).
  const oomRead = t.time('oom', () => readOomCounters(ctx.cgroupsPath(rec)));
  if (!defersRuntimeDelete(ctx, rec, initExited)) await oomRead;
  await releaseRun(ctx, rec, { initExited, timer: t, deleteAfter: Promise.all([oomRead, opts.handled?.()]) });
  const oomKilled = ((await oomRead)?.oomKills ?? 0) > 0;
  // Nothing of this run is left to release when the container is removed next (--rm).
  ctx.released.add(rec.id);
  t.mark('release');
  const ranForMs = Date.parse(finishedAt) - Date.parse(s.startedAt);
  const decision = ctx.restartManager(rec.id).shouldRestart(rec.hostConfig, exitCode, rec.hasBeenManuallyStopped, ranForMs);
  rec.state = {
    ...s,
    status: decision.restart ? 'restarting' : 'exited',
    pid: 0,
    shimPid: 0,
    exitCode,
    oomKilled,
    finishedAt,
    error: watched.kind === 'lost' ? 'the container monitor (wharf-shim) exited without recording the exit status' : '',
    health: stoppedHealth(rec),
  };
  if (decision.restart) rec.restartCount++;
  // Published in the same turn as the state change: whoever sees the container stopped (a
  // `docker stop` whose wait ends then) publishes after `die`, in Docker's order.
  if (oomKilled) ctx.event(rec, 'oom');
  ctx.event(rec, 'die', { exitCode: String(exitCode) });
  const autoRemove = !decision.restart && rec.hostConfig.AutoRemove === true;
  // An AutoRemove container is deleted right after this; persisting its exit first would only
  // cost an fsync (after a crash in between, restore finds exit.json and records it again).
  if (!autoRemove) await ctx.store.save(rec);
  t.mark('save');
  const sinceExit = watched.kind === 'exit' ? Date.now() - Date.parse(watched.exit.exitedAt) : -1;
  ctx.log.debug('container exit recorded', { id: rec.id.slice(0, 12), sinceExitMs: sinceExit, ...t.fields() });
  const exit: ContainerExit = { exitCode, oomKilled, finishedAt };
  ctx.listeners.emitExit(rec.id, exit);
  if (decision.restart) return { kind: 'restart', delayMs: decision.delayMs };
  if (autoRemove) return { kind: 'remove' };
  return { kind: 'none' };
}
