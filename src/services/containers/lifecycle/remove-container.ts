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
 * `volumes`, as `rm -v`); publishes `destroy` and wakes `removed` waiters, then waits for what
 * went to the background.
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
    // The rw layer and the bundle go in the background (their fsync and deletes sat on the path
    // of `wait?condition=removed`). The snapshotter queues the removal now, ahead of any later
    // snapshot operation (an rmi of the image right after finds no child left); its files, and
    // the bundle dir holding the rootfs mount point, wait for a pending unmount of the last run.
    // What a crash cuts short, start-up sweeps (a container snapshot or bundle dir of no record).
    // Its failure is logged right here: nothing may await it before the unmount is done, and an
    // unhandled rejection meanwhile would end the daemon.
    const snapshot = ctx.deps.snapshots.remove(rec.snapshotKey, { lazy: true, deleteAfter: ctx.rootfsWork.settled(rec.id) }).catch((err) => {
      if (!isKind(err, 'NotFound')) ctx.log.warn('removing the container snapshot failed', { id: rec.id, err });
    });
    void ctx.rootfsWork.run(rec.id, async () => {
      await removeLater(ctx.bundleDir(rec.id), ctx.trashDir());
      await snapshot;
    });
    await t.time('stateRm', () => removeLater(ctx.shimStateDir(rec.id), ctx.trashDir()));
    // The record goes after the shim's state: while that fails, the container still exists to retry.
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
  // Its waiters (`wait?condition=removed`, the CLI of `run --rm`) are answered; the caller (a
  // `docker rm`) returns once nothing of it is left on the host: rootfs unmounted, snapshot and
  // bundle gone, the runtime's state and cgroups deleted.
  await Promise.all([ctx.rootfsWork.settled(rec.id), ctx.runtimeDeletes.settled(rec.id)]);
}
