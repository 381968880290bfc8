import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { internal, invalidArgument, toWharfError, type WharfError } from '../../../errdefs/index.js';
import { removeCgroupPath } from '../../../plugins/runtime/cgroups.js';
import { inCreateWords, lastLoggedError, runtimeErrorDetail } from '../../../plugins/runtime/runtime-errors.js';
import { endStartWindow } from '../../../plugins/shim/attach-shim.js';
import { ShimFiles } from '../../../plugins/shim/shim-paths.js';
import { spawnShim } from '../../../plugins/shim/spawn-shim.js';
import { isMountpoint, mountAll, unmountAll } from '../../../plugins/snapshots/mount.js';
import { releaseRunMounts, setupRunMounts } from '../mounts/mount-setup.js';
import { generateSpec } from '../oci-spec/generate-spec.js';
import { readUserDb } from '../oci-spec/user.js';
import { type WatchedExit, watchExit } from './exit-watcher.js';
import { writeEtcFiles } from './etc-files.js';
import { type LifecycleContext, short } from './lifecycle-context.js';
import { shimLogOptions } from './log-options.js';
import { nowRfc3339Nano } from './status-text.js';

const DEFAULT_SHIM_READY_TIMEOUT_MS = 5000;

/** Called when the watch of a run reports its end. */
export type ExitCallback = (rec: ContainerRecord, watched: WatchedExit) => void;

/**
 * Releases what a run holds on the host: the runtime's state (delete --force also kills a
 * leftover init), the cgroup dirs runc/crun leave, its networking (namespace, veths, addresses,
 * published ports), the rootfs mount and its hold on its volumes. Idempotent.
 */
export async function releaseRun(ctx: LifecycleContext, rec: ContainerRecord): Promise<void> {
  const rt = ctx.runtimeOf(rec);
  const runtimeState = async () => {
    if (await exists(path.join(rt.root, rec.id))) {
      await rt.runtime.delete(rec.id, { force: true }).catch((err) => ctx.log.warn('runtime delete failed', { id: rec.id, err }));
    }
    // After the delete: no process of the run is left in the namespace being removed.
    await Promise.all([
      removeCgroupPath(ctx.cgroupsPath(rec), rec.hostConfig.CgroupParent || ctx.deps.facts.cgroupParent),
      ctx.network.detach(rec).catch((err) => ctx.log.warn('releasing the network failed', { id: rec.id, err })),
    ]);
  };
  // In parallel: the runtime's delete never touches the rootfs, and unmounting it from the
  // host's namespace does not depend on the runtime's state. The overlay is detached from the
  // bundle; the snapshot (the container's rw layer) stays.
  await Promise.all([runtimeState(), unmountAll(ctx.rootfsDir(rec.id))]);
  // After the runtime's delete: no process of the run still uses the volumes being released.
  await releaseRunMounts(ctx.mountDeps, rec).catch((err) => ctx.log.warn('releasing volumes failed', { id: rec.id, err }));
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/**
 * Sets up the run's networking, mounts the rootfs snapshot on the bundle and writes config.json
 * from the spec generator. The caller releases the run (networking included) on failure.
 */
async function prepareBundle(ctx: LifecycleContext, rec: ContainerRecord): Promise<string> {
  const bundle = ctx.bundleDir(rec.id);
  const rootfs = ctx.rootfsDir(rec.id);
  await fs.mkdir(rootfs, { recursive: true, mode: 0o700 });
  const mountRootfs = async () => {
    // A mount left by a run the daemon did not see end (crash mid-start) would be stacked on.
    if (await isMountpoint(rootfs)) await unmountAll(rootfs);
    // The overlay is mounted in the daemon's (the host's) mount namespace so it outlives the
    // daemon: a live-restored container keeps its rootfs, and the exit handler unmounts it.
    await mountAll(await ctx.deps.snapshots.mounts(rec.snapshotKey), rootfs);
  };
  // Networking and the rootfs do not depend on each other: both are set up at once. Both are
  // settled before a failure is thrown, so the caller's release never races a half-done setup.
  const [attached, mounted] = await Promise.allSettled([ctx.network.attach(rec), mountRootfs()]);
  if (attached.status === 'rejected') throw attached.reason;
  if (mounted.status === 'rejected') throw mounted.reason;
  const net = attached.value;
  // `--network container:X` takes X's hostname too, as Docker records it.
  if (net.etc.shareFrom) rec.config.Hostname = net.etc.shareFrom.hostname;
  await writeEtcFiles(ctx.store.dir(rec.id), rec.config.Hostname ?? short(rec.id), rec.hostConfig, net.etc);
  const user = await setupRunMounts(ctx.mountDeps, rec);
  const { spec } = generateSpec({
    id: rec.id,
    config: rec.config,
    hostConfig: rec.hostConfig,
    rootfs,
    daemon: ctx.deps.facts,
    etcFiles: { hostsPath: rec.hostsPath, hostnamePath: rec.hostnamePath, resolvConfPath: rec.resolvConfPath },
    userDb: await readUserDb(rootfs),
    ...(net.netnsPath ? { joinNamespaces: { network: net.netnsPath } } : {}),
    extraMounts: user.mounts,
    ...(user.rootfsPropagation ? { rootfsPropagation: user.rootfsPropagation } : {}),
  });
  await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
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
export async function startContainer(ctx: LifecycleContext, rec: ContainerRecord, onExit: ExitCallback): Promise<void> {
  const rt = ctx.runtimeOf(rec);
  const stateDir = ctx.shimStateDir(rec.id);
  await fs.rm(stateDir, { recursive: true, force: true });
  if (await exists(path.join(rt.root, rec.id))) await rt.runtime.delete(rec.id, { force: true }).catch(() => undefined);
  let pid: number;
  let shimPid: number;
  let startedAt: string;
  try {
    const bundle = await prepareBundle(ctx, rec);
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
      log: shimLogOptions(rec.hostConfig, rec.logPath),
      start: true,
    }));
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
  await notifyShimReady(ctx, rec.id, stateDir);
  // Its waiting clients are connected: the shim stops keeping output. Awaited (a local round
  // trip) so that a shim whose container already exited never lingers for the window's 5 s.
  await endStartWindow(stateDir);
  rec.state = { ...rec.state, status: 'running', pid, shimPid, exitCode: 0, error: '', oomKilled: false, startedAt };
  await ctx.store.save(rec);
  ctx.event(rec, 'start');
}
