import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { internal, invalidArgument, toWharfError, type WharfError } from '../../../errdefs/index.js';
import { inCreateWords, lastLoggedError, runtimeErrorDetail } from '../../../plugins/runtime/runtime-errors.js';
import { endStartWindow } from '../../../plugins/shim/attach-shim.js';
import { ShimFiles } from '../../../plugins/shim/shim-paths.js';
import { spawnShim } from '../../../plugins/shim/spawn-shim.js';
import { mountRootfs, unmountRootfs } from '../../../plugins/runtime/rootfs-mount.js';
import { setupRunMounts } from '../mounts/mount-setup.js';
import { generateSpec } from '../oci-spec/generate-spec.js';
import { readUserDb } from '../oci-spec/user.js';
import { type WatchedExit, watchExit } from './exit-watcher.js';
import { writeEtcFiles } from './etc-files.js';
import { type LifecycleContext, short } from './lifecycle-context.js';
import { startingHealth } from './health-state.js';
import { shimLogOptions } from './log-options.js';
import { PhaseTimer } from './phase-timer.js';
import { releaseRun } from './release-run.js';
import { nowRfc3339Nano } from './status-text.js';

const DEFAULT_SHIM_READY_TIMEOUT_MS = 5000;

/** Called when the watch of a run reports its end. */
export type ExitCallback = (rec: ContainerRecord, watched: WatchedExit) => void;

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/** Awaits every promise; only once all settled, throws the first failure (nothing half-done is left running). */
async function allSettledOrThrow<T extends readonly unknown[]>(promises: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * Sets up the run's networking, mounts the rootfs snapshot on the bundle and writes config.json
 * from the spec generator. The caller releases the run (networking included) on failure.
 */
async function prepareBundle(ctx: LifecycleContext, rec: ContainerRecord, t: PhaseTimer): Promise<string> {
  const bundle = ctx.bundleDir(rec.id);
  const rootfs = ctx.rootfsDir(rec.id);
  await fs.mkdir(rootfs, { recursive: true, mode: 0o700 });
  const mountSnapshot = async () => {
    // A mount left by a run the daemon did not see end (crash mid-start) would be stacked on.
    await unmountRootfs(rootfs);
    // The overlay is mounted in the daemon's (the host's) mount namespace so it outlives the
    // daemon: a live-restored container keeps its rootfs, and the exit handler unmounts it.
    await mountRootfs(await ctx.deps.snapshots.mounts(rec.snapshotKey), rootfs);
  };
  // Networking and the rootfs do not depend on each other: both are set up at once. Both are
  // settled before a failure is thrown, so the caller's release never races a half-done setup.
  const [net] = await allSettledOrThrow([t.time('netAttach', () => ctx.network.attach(rec)), t.time('mountRootfs', mountSnapshot)]);
  t.mark('netAndRootfs');
  // `--network container:X` takes X's hostname too, as Docker records it.
  if (net.etc.shareFrom) rec.config.Hostname = net.etc.shareFrom.hostname;
  // The /etc files, the user's mounts and the image's user database are independent of each
  // other: prepared at once (all settled before a failure is thrown, as above).
  const [, user, userDb] = await allSettledOrThrow([
    writeEtcFiles(ctx.store.dir(rec.id), rec.config.Hostname ?? short(rec.id), rec.hostConfig, net.etc),
    setupRunMounts(ctx.mountDeps, rec),
    readUserDb(rootfs),
  ]);
  t.mark('etcMountsUsers');
  const { spec } = generateSpec({
    id: rec.id,
    config: rec.config,
    hostConfig: rec.hostConfig,
    rootfs,
    daemon: ctx.deps.facts,
    etcFiles: { hostsPath: rec.hostsPath, hostnamePath: rec.hostnamePath, resolvConfPath: rec.resolvConfPath },
    userDb,
    ...(net.netnsPath ? { joinNamespaces: { network: net.netnsPath } } : {}),
    extraMounts: user.mounts,
    ...(user.rootfsPropagation ? { rootfsPropagation: user.rootfsPropagation } : {}),
  });
  await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
  t.mark('spec');
  return bundle;
}

/**
 * Docker's start-failure report (moby translateContainerdStartErr): the runtime's own words
 * wrapped as containerd wraps them, exit 127 for a missing program, 126 for one that cannot be
 * executed (both InvalidArgument, 400), else 128 and Internal (500).
 */
async function startFailure(ctx: LifecycleContext, rec: ContainerRecord, err: unknown): Promise<{ error: WharfError; exitCode: number }> {
  const detail = runtimeErrorDetail(err);
  if (!detail) return { error: toWharfError(err), exitCode: 128 };
  const raw = (await lastLoggedError(path.join(ctx.shimStateDir(rec.id), ShimFiles.runtimeLog))) ?? detail.runtimeMessage;
  const message = `failed to create shim task: OCI runtime create failed: ${inCreateWords(raw)}: unknown`;
  if (detail.exitCode) return { error: invalidArgument(message, { cause: err }), exitCode: detail.exitCode };
  return { error: internal(message, { cause: err }), exitCode: 128 };
}

/** Lets the attach clients waiting for this start connect to the new shim (bounded wait). */
async function notifyShimReady(ctx: LifecycleContext, id: string, stateDir: string): Promise<void> {
  const listeners = ctx.listeners.takeShimReady(id);
  if (listeners.length === 0) return;
  const all = Promise.allSettled(listeners.map(async (l) => l(stateDir)));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ctx.deps.shimReadyTimeoutMs ?? DEFAULT_SHIM_READY_TIMEOUT_MS);
  });
  await Promise.race([all, timeout]);
  clearTimeout(timer);
}

/**
 * Runs a created or exited container (caller holds its lock and checked the state): mount the
 * rootfs, write the OCI bundle, spawn wharf-shim (`runtime run --detach`), arm the exit watch,
 * let attach clients in, record `running` and publish `start`. On failure the run's resources
 * are released, the error is recorded in State (Error, ExitCode) and thrown.
 *
 * Docker creates, attaches, then starts. One `runtime run` instead of `create` + `start` saves a
 * runtime process (a Go start-up, 10-20 ms) per start; the shim keeps the output from the start
 * for the clients that were waiting for it until they are connected (its start window), so
 * `docker run` still sees everything.
 */
export async function startContainer(ctx: LifecycleContext, rec: ContainerRecord, onExit: ExitCallback): Promise<{ persisted: Promise<void> }> {
  const t = new PhaseTimer();
  const rt = ctx.runtimeOf(rec);
  const stateDir = ctx.shimStateDir(rec.id);
  // The previous run's runtime delete may still be queued (release-run.ts): runc refuses an id
  // whose state dir exists, and a late delete would remove the new run's state. Its rootfs
  // unmount too: a late one would unmount the new run's rootfs. Both waited first.
  await Promise.all([ctx.runtimeDeletes.settled(rec.id), ctx.rootfsWork.settled(rec.id)]);
  ctx.released.delete(rec.id);
  await fs.rm(stateDir, { recursive: true, force: true });
  if (await exists(path.join(rt.root, rec.id))) await rt.runtime.delete(rec.id, { force: true }).catch(() => undefined);
  t.mark('clean');
  let pid: number;
  let shimPid: number;
  let startedAt: string;
  try {
    // First: a bad log option (read here, as dockerd reads it when it opens the log) fails the
    // start before anything is mounted.
    const log = shimLogOptions(rec.hostConfig, rec.logPath);
    const bundle = await prepareBundle(ctx, rec, t);
    // Taken before the program can run, so an instant exit never finishes before it started.
    startedAt = nowRfc3339Nano();
    ({ pid, shimPid } = await spawnShim({
      shimPath: ctx.deps.shimPath,
      id: rec.id,
      bundle,
      runtime: rt.binary,
      runtimeRoot: rt.root,
      stateDir,
      tty: rec.config.Tty === true,
      stdin: rec.config.OpenStdin === true,
      log,
      start: true,
    }));
    t.mark('shim');
  } catch (err) {
    const failure = await startFailure(ctx, rec, err);
    await releaseRun(ctx, rec);
    await fs.rm(stateDir, { recursive: true, force: true });
    rec.state = { ...rec.state, exitCode: failure.exitCode, error: failure.error.message, pid: 0, shimPid: 0 };
    await ctx.store.save(rec);
    throw failure.error;
  }
  ctx.watches.get(rec.id)?.close();
  ctx.watches.set(
    rec.id,
    watchExit(stateDir, (w) => onExit(rec, w)),
  );
  // The record is written (its fsync) while the attach clients connect, and may still be when
  // the lock is released: the store applies a record's writes in call order, so an exit recorded
  // meanwhile (or the removal of --rm) lands after it. The caller awaits it before answering.
  rec.state = { ...rec.state, status: 'running', pid, shimPid, exitCode: 0, error: '', oomKilled: false, startedAt, health: startingHealth(rec) };
  const saved = t.time('save', () => ctx.store.save(rec));
  saved.catch(() => undefined);
  await notifyShimReady(ctx, rec.id, stateDir);
  t.mark('attachReady');
  // Its waiting clients are connected: the shim stops keeping output (else a shim whose
  // container already exited lingers for the window's 5 s). Not awaited: the connection is made
  // now, while the lock is held, and the shim's acknowledgement (closing it) concerns nobody;
  // an exit waiting for the lock need not wait for that round trip.
  void endStartWindow(stateDir).catch((err) => ctx.log.warn('ending the shim start window failed', { id: rec.id, err }));
  t.mark('endWindow');
  ctx.event(rec, 'start');
  void saved.then(
    () => ctx.log.debug('container started', { id: short(rec.id), ...t.fields() }),
    () => undefined,
  );
  // A run that ended at once may be removed (--rm) while its start's save is still being
  // written: with no record left there is nothing to wait for, and `docker run` would otherwise
  // wait for that write after its wait already answered.
  let stopListening: () => void = () => undefined;
  const removed = new Promise<void>((resolve) => {
    stopListening = ctx.listeners.onRemoved(rec.id, resolve);
  });
  void saved.then(stopListening, stopListening);
  return { persisted: Promise.race([saved, removed]) };
}
