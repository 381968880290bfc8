import type { ContainerRecord } from '../../../core/containers/container.js';
import { conflict, isKind } from '../../../errdefs/index.js';
import { removeLater } from '../../../lib/remove-later.js';
import { releaseMountPoints } from '../mounts/register-mounts.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { PhaseTimer } from './phase-timer.js';
import { releaseRun } from './release-run.js';
import { isRunning } from './status-text.js';

/** Docker's refusal to remove a live container without force (moby cleanupContainer). */
export function refuseLiveRemoval(rec: ContainerRecord): never {
  const state = rec.state.status;
  let procedure = 'Stop the container before attempting removal or force remove';
  if (state === 'paused') procedure = `Unpause and then ${procedure.toLowerCase()}`;
  throw conflict(`You cannot remove a ${state} container ${rec.id}. ${procedure}`);
}

/**
 * Deletes a container that has no process (caller holds its lock and stopped it): the runtime
 * state, cgroups and rootfs mount of its last run, its snapshot (the rw layer), bundle and shim
 * dirs, then the record; drops its volume references (removing its anonymous volumes with
 * `volumes`, as `rm -v`); publishes `destroy` and wakes `removed` waiters.
 */
export async function destroyContainer(ctx: LifecycleContext, rec: ContainerRecord, opts: { volumes?: boolean } = {}): Promise<void> {
  if (isRunning(rec.state) && rec.state.status !== 'restarting') throw conflict(`container ${rec.id} is still running`);
  const t = new PhaseTimer();
  // In memory only (as dockerd's RemovalInProgress): a crash part-way leaves a stopped record
  // whose next removal skips what is already gone.
  const before = rec.state;
  rec.state = { ...rec.state, status: 'removing' };
  ctx.forget(rec.id);
  try {
    // Its exit already released the last run (in memory only: after a daemon restart this
    // releases again, which is idempotent).
    if (!ctx.released.has(rec.id)) await releaseRun(ctx, rec, { timer: t });
    t.mark('release');
    const snapshot = t.time('snapshotRm', () => ctx.deps.snapshots.remove(rec.snapshotKey, { lazy: true }).catch((err) => {
      if (!isKind(err, 'NotFound')) throw err;
    }));
    await Promise.all([
      snapshot,
      t.time('bundleRm', () => removeLater(ctx.bundleDir(rec.id), ctx.trashDir())),
      t.time('stateRm', () => removeLater(ctx.shimStateDir(rec.id), ctx.trashDir())),
    ]);
    t.mark('files');
    // The record goes last: while any of the above fails, the container still exists to retry.
    await ctx.store.remove(rec.id);
    ctx.released.delete(rec.id);
    t.mark('record');
  } catch (err) {
    rec.state = before;
    throw err;
  }
  // After the record is gone, as moby: a failure here is logged, the container stays removed (a
  // reference left behind is dropped by the volume service's reconcile at the next start).
  await releaseMountPoints(ctx.mountDeps, rec.id, rec.mountPoints ?? [], { removeAnonymous: opts.volumes === true }).catch((err) =>
    ctx.log.error('releasing the volumes of a removed container failed', { id: rec.id, err }),
  );
  t.mark('mountPoints');
  ctx.event(rec, 'destroy');
  ctx.listeners.emitRemoved(rec.id);
  ctx.log.debug('container removed', { id: rec.id.slice(0, 12), ...t.fields() });
}
