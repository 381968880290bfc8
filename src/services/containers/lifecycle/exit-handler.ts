import type { ContainerRecord } from '../../../core/containers/container.js';
import { readOomCounters } from '../../../plugins/runtime/cgroups.js';
import type { ContainerExit } from './container-service.js';
import type { WatchedExit } from './exit-watcher.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { releaseRun } from './start-container.js';
import { nowRfc3339Nano } from './status-text.js';

/** Exit code recorded for a run whose shim vanished without recording one (containerd's 255). */
const LOST_EXIT_CODE = 255;

/** What happens after an exit was recorded. */
export type AfterExit = { kind: 'none' } | { kind: 'restart'; delayMs: number } | { kind: 'remove' };

/**
 * Records the end of a run (caller holds the container's lock): OOM from the memory cgroup
 * (read before the runtime's delete removes it), `runtime delete`, cgroup and rootfs released,
 * State updated (exited, or restarting when the restart policy says so), `oom`/`die` published,
 * exit listeners told. Returns what the caller must do next (restart after a delay, AutoRemove).
 * A stale report (the container is no longer running) changes nothing.
 */
export async function recordExit(ctx: LifecycleContext, rec: ContainerRecord, watched: WatchedExit): Promise<AfterExit> {
  ctx.watches.get(rec.id)?.close();
  ctx.watches.delete(rec.id);
  const s = rec.state;
  if (s.status !== 'running' && s.status !== 'paused') return { kind: 'none' };
  const exitCode = watched.kind === 'exit' ? watched.exit.exitCode : LOST_EXIT_CODE;
  const finishedAt = watched.kind === 'exit' ? watched.exit.exitedAt : nowRfc3339Nano();
  const oom = await readOomCounters(ctx.cgroupsPath(rec));
  const oomKilled = (oom?.oomKills ?? 0) > 0;
  await releaseRun(ctx, rec);
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
  };
  if (decision.restart) rec.restartCount++;
  const autoRemove = !decision.restart && rec.hostConfig.AutoRemove === true;
  // An AutoRemove container is deleted right after this; persisting its exit first would only
  // cost an fsync (after a crash in between, restore finds exit.json and records it again).
  if (!autoRemove) await ctx.store.save(rec);
  if (oomKilled) ctx.event(rec, 'oom');
  ctx.event(rec, 'die', { exitCode: String(exitCode) });
  const exit: ContainerExit = { exitCode, oomKilled, finishedAt };
  ctx.listeners.emitExit(rec.id, exit);
  if (decision.restart) return { kind: 'restart', delayMs: decision.delayMs };
  if (autoRemove) return { kind: 'remove' };
  return { kind: 'none' };
}
