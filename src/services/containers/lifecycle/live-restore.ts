import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { ZERO_TIME } from '../../../core/containers/container.js';
import { removeCgroupPath } from '../../../plugins/runtime/cgroups.js';
import { unmountRootfs } from '../../../plugins/runtime/rootfs-mount.js';
import { readExit } from '../../../plugins/shim/read-exit.js';
import { shimAlive, watchExit } from './exit-watcher.js';
import type { LifecycleService } from './lifecycle-service.js';
import { destroyContainer } from './remove-container.js';
import { deleteRuntimeState, releaseRun } from './release-run.js';

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/**
 * Whether a stopped container comes back when the daemon starts (moby restore: a fresh restart
 * manager's decision, for containers started before): `always` even if the user stopped it,
 * `unless-stopped` unless they did, `on-failure` after a failure.
 */
export function restartsOnDaemonStart(rec: ContainerRecord): boolean {
  if (rec.state.startedAt === ZERO_TIME) return false;
  const name = rec.hostConfig.RestartPolicy?.Name ?? 'no';
  if (name === 'always') return true;
  if (name === 'unless-stopped') return !rec.hasBeenManuallyStopped;
  if (name === 'on-failure') return rec.state.exitCode !== 0;
  return false;
}

/** One container at daemon start. Returns true when it should be started again. */
async function restoreOne(svc: LifecycleService, rec: ContainerRecord): Promise<boolean> {
  const ctx = svc.ctx;
  const s = rec.state.status;
  if (s === 'removing') {
    await destroyContainer(ctx, rec);
    return false;
  }
  if (s === 'running' || s === 'paused') {
    const stateDir = ctx.shimStateDir(rec.id);
    const exit = await readExit(stateDir).catch(() => undefined);
    // Awaited: networking reconciles its sandboxes after this, by the recorded states.
    if (exit) await svc.onRunEnded(rec, { kind: 'exit', exit });
    else if (await shimAlive(stateDir)) {
      // Still running under its shim: only the watch is re-armed (it also re-checks at once).
      ctx.watches.set(
        rec.id,
        watchExit(stateDir, (w) => svc.onRunEnded(rec, w)),
      );
    } else await svc.onRunEnded(rec, { kind: 'lost' });
    return false;
  }
  if (s === 'restarting') {
    // The daemon died during the restart delay: the exit is recorded, the start is due.
    return true;
  }
  // created/exited/dead: release what a start the daemon did not finish may have left.
  if (await exists(ctx.bundleDir(rec.id))) await releaseRun(ctx, rec);
  return restartsOnDaemonStart(rec);
}

/** A container id as generated at create (64 hex): other names in a runtime root are not ours. */
const CONTAINER_ID = /^[0-9a-f]{64}$/;

/**
 * Runtime state that no live run accounts for: a background `runtime delete` (release-run.ts)
 * cut short by a `kill -9` of the daemon, after its container was recorded exited or removed.
 * Each is deleted again through the queue, so a restart of the same id waits for it. Runs after
 * the records were restored: a run whose exit was just recorded has its delete queued already.
 */
async function sweepRuntimeState(svc: LifecycleService): Promise<void> {
  const ctx = svc.ctx;
  for (const entry of ctx.deps.runtimes.values()) {
    const names = await fs.readdir(entry.root).catch(() => [] as string[]);
    for (const id of names.filter((n) => CONTAINER_ID.test(n))) {
      const rec = svc.find(id);
      if ((rec && (rec.state.status === 'running' || rec.state.status === 'paused')) || ctx.runtimeDeletes.has(id)) continue;
      ctx.log.info('deleting runtime state left by an earlier daemon', { id, runtime: entry.name });
      // Without a record the run's cgroup is under the daemon's default parent (a custom
      // CgroupParent's leaf is removed by the runtime's own delete).
      const orphan = async () => {
        await entry.runtime.delete(id, { force: true });
        await removeCgroupPath(`${ctx.deps.facts.cgroupParent}/${id}`, ctx.deps.facts.cgroupParent);
      };
      await ctx.runtimeDeletes.defer(id, rec && ctx.runtimeOf(rec).name === entry.name ? () => deleteRuntimeState(ctx, rec) : orphan);
    }
  }
}

/**
 * What a create cut short by a crash leaves without a record (the record is written last), and
 * what a removal's background part did not finish (the record goes first there): the
 * container's snapshot (its rw layer, labelled `wharf.container`) and its bundle dir, where the
 * rootfs may still be mounted for the image-VOLUME copy-up. Unmounted and removed; a bundle dir
 * of no recorded container goes too (its short id matches no record).
 */
async function sweepOrphanCreates(svc: LifecycleService): Promise<void> {
  const ctx = svc.ctx;
  const known = new Set(svc.list().map((r) => r.id));
  for (const snap of await ctx.deps.snapshots.list()) {
    const id = snap.labels['wharf.container'];
    if (id === undefined || known.has(id) || snap.key !== id) continue;
    ctx.log.info('removing what an interrupted create or removal left', { id });
    await unmountRootfs(ctx.rootfsDir(id));
    await fs.rm(ctx.bundleDir(id), { recursive: true, force: true });
    await ctx.deps.snapshots.remove(id);
  }
  const bundles = ctx.bundlesRoot();
  const shortIds = new Set([...known].map((id) => path.basename(ctx.bundleDir(id))));
  for (const name of await fs.readdir(bundles).catch(() => [] as string[])) {
    if (shortIds.has(name)) continue;
    const dir = path.join(bundles, name);
    await unmountRootfs(path.join(dir, 'rootfs'));
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Live restore at daemon start: containers whose shim still runs keep running (their exit watch
 * is re-armed); exits that happened while the daemon was down are recorded (restart policies and
 * AutoRemove apply); removals cut short are finished. Returns the start of the containers their
 * restart policy brings back, for the caller to run once the rest of the daemon (networking's
 * own reconciliation in particular, which removes sandboxes of containers that are not running)
 * is settled: a restart racing that reconciliation could lose its fresh sandbox.
 */
export async function restoreContainers(svc: LifecycleService): Promise<() => void> {
  // Removals' background deletes (remove-container.ts) an earlier daemon did not finish.
  await fs.rm(svc.ctx.trashDir(), { recursive: true, force: true });
  await fs.mkdir(svc.ctx.trashDir(), { recursive: true, mode: 0o700 });
  const due: ContainerRecord[] = [];
  // Exits recorded below may call for a restart: held until the caller's go, like `due`.
  const releaseRestarts = svc.holdRestarts();
  for (const rec of svc.list()) {
    try {
      if (await restoreOne(svc, rec)) due.push(rec);
    } catch (err) {
      svc.ctx.log.error('restoring container failed', { id: rec.id, err });
    }
  }
  await sweepRuntimeState(svc).catch((err) => svc.ctx.log.error('sweeping runtime state failed', { err }));
  await sweepOrphanCreates(svc).catch((err) => svc.ctx.log.error('sweeping interrupted creates failed', { err }));
  return () => {
    releaseRestarts();
    for (const rec of due) {
      void svc.ctx.locks
        .run(rec.id, async () => {
          if (rec.state.status === 'restarting') rec.state = { ...rec.state, status: 'exited' };
        })
        .then(() => svc.restartByPolicy(rec.id))
        .catch((err) => svc.ctx.log.error('restart at daemon start failed', { id: rec.id, err }));
    }
  };
}
