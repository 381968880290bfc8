import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { removeCgroupPath } from '../../../plugins/runtime/cgroups.js';
import { removeStoppedRuncState } from '../../../plugins/runtime/runc-state.js';
import { unmountRootfs } from '../../../plugins/runtime/rootfs-mount.js';
import { releaseRunMounts } from '../mounts/mount-setup.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { PhaseTimer } from './phase-timer.js';

export interface ReleaseRunOptions {
  /**
   * The run's init is known to have exited (its shim reaped it and wrote exit.json). With a pid
   * namespace of its own, the runtime's delete then goes to the background (see
   * {@link RuntimeDeleteQueue}); otherwise it runs here, with `--force`, which kills what is left.
   */
  initExited?: boolean;
  /**
   * A deferred delete (which removes the run's cgroups) waits for this too, e.g. the read of the
   * OOM counters; a delete that runs here is the caller's to order.
   */
  deleteAfter?: Promise<unknown>;
  /** Phase timings for the debug log. */
  timer?: PhaseTimer;
}

/**
 * Whether the container gets a pid namespace of its own: when its init exits the kernel kills
 * every other process in it (zap_pid_ns_processes) before the init can be reaped, so nothing of
 * the run is left for `runtime delete --force` to kill. `--pid host` (and any shared namespace)
 * does not give that guarantee: there the runtime's delete must kill the leftovers first.
 */
export function ownsPidNamespace(rec: ContainerRecord): boolean {
  const mode = rec.hostConfig.PidMode ?? '';
  return mode === '' || mode === 'private';
}

/** Whether releaseRun with `initExited` leaves the runtime's delete to the background queue. */
export function defersRuntimeDelete(ctx: LifecycleContext, rec: ContainerRecord, initExited: boolean): boolean {
  return ctx.runtimeDeletes.has(rec.id) || (initExited && ownsPidNamespace(rec));
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/**
 * Releases what a run holds on the host: the runtime's state (delete --force also kills a
 * leftover init), the cgroup dirs runc/crun leave, its networking (namespace, veths, addresses,
 * published ports), the rootfs mount and its hold on its volumes. Idempotent.
 *
 * With `initExited` and a pid namespace of its own, the runtime's delete and the cgroup removal
 * are deferred to `ctx.runtimeDeletes` (nothing of the run is left to kill), the rootfs unmount
 * to `ctx.rootfsWork`, and the rest runs at once, concurrently.
 */
export async function releaseRun(ctx: LifecycleContext, rec: ContainerRecord, opts: ReleaseRunOptions = {}): Promise<void> {
  const t = opts.timer ?? new PhaseTimer();
  const deferred = defersRuntimeDelete(ctx, rec, opts.initExited === true);
  const network = () =>
    t.time('netDetach', () => ctx.network.detach(rec).catch((err) => ctx.log.warn('releasing the network failed', { id: rec.id, err })));
  const runtimeState = async () => {
    if (deferred) {
      // Nothing of the run can still use its namespaces: they go at once, the runtime's state later.
      await Promise.all([ctx.runtimeDeletes.defer(rec.id, () => deleteRuntimeState(ctx, rec, { initExited: opts.initExited }), opts.deleteAfter), network()]);
      return;
    }
    await t.time('rtDelete', () => deleteRuntimeState(ctx, rec));
    // After the delete: no process of the run is left in the namespace being removed.
    await network();
  };
  // In parallel: the runtime's delete never touches the rootfs, and unmounting it from the
  // host's namespace does not depend on the runtime's state. The overlay is detached from the
  // bundle; the snapshot (the container's rw layer) stays.
  const unmount = () => unmountRootfs(ctx.rootfsDir(rec.id));
  if (deferred) {
    // No process of the run is left to use the overlay: the unmount (an RCU grace period in the
    // kernel, ~3 ms) goes to the background too, where what needs the rootfs next waits for it.
    void ctx.rootfsWork.run(rec.id, unmount);
    await runtimeState();
  } else await Promise.all([runtimeState(), t.time('unmount', () => ctx.rootfsWork.settled(rec.id).then(unmount))]);
  // After the runtime's delete (or the init's exit in its own pid namespace): no process of the
  // run still uses the volumes being released.
  await t.time('volRelease', () => releaseRunMounts(ctx.mountDeps, rec).catch((err) => ctx.log.warn('releasing volumes failed', { id: rec.id, err })));
}

/**
 * `runtime delete --force` when the runtime still has state for the run, then the cgroup dirs
 * runc/crun leave (and their empty parents). Failures of the delete are logged, not thrown: the
 * next start of the id deletes again, and the start-up sweep finds what stays.
 */
export async function deleteRuntimeState(ctx: LifecycleContext, rec: ContainerRecord, opts: { initExited?: boolean } = {}): Promise<void> {
  const rt = ctx.runtimeOf(rec);
  if (await exists(path.join(rt.root, rec.id))) {
    // runc's delete of an init that exited in its own pid namespace is done here, without runc.
    const native = opts.initExited === true && ownsPidNamespace(rec) && rt.name === 'runc' && (await removeStoppedRuncState(rt.root, rec.id));
    if (!native) await rt.runtime.delete(rec.id, { force: true }).catch((err) => ctx.log.warn('runtime delete failed', { id: rec.id, err }));
  }
  // After the delete: no process of the run is left in the cgroups being removed.
  await removeCgroupPath(ctx.cgroupsPath(rec), rec.hostConfig.CgroupParent || ctx.deps.facts.cgroupParent);
}
