import type { ContainerRecord } from '../../../core/containers/container.js';
import { conflict, internal, isKind, notModified } from '../../../errdefs/index.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { parseSignal, SIGKILL, SIGTERM } from './signals.js';
import { isRunning } from './status-text.js';
import { stoppedHealth } from './health-state.js';

/** Docker's default stop timeout in seconds. */
export const DEFAULT_STOP_TIMEOUT = 10;
/** How long a SIGKILLed container may take to be reported down. */
const KILL_WAIT_MS = 30_000;

/** Whether the container has a process (running or paused; `restarting` has none). */
const hasProcess = (rec: ContainerRecord) => rec.state.status === 'running' || rec.state.status === 'paused';

/**
 * Resolves true once the current run has ended and been recorded (the exit handler updated
 * State), or false after `ms`. Resolves at once when there is no process.
 */
export function waitStopped(ctx: LifecycleContext, rec: ContainerRecord, ms?: number): Promise<boolean> {
  if (!hasProcess(rec)) return Promise.resolve(true);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (v: boolean) => {
      offExit();
      offRemoved();
      if (timer) clearTimeout(timer);
      resolve(v);
    };
    const offExit = ctx.listeners.onExit(rec.id, () => done(true));
    const offRemoved = ctx.listeners.onRemoved(rec.id, () => done(true));
    if (ms !== undefined) timer = setTimeout(() => done(!hasProcess(rec)), ms);
  });
}

/** The container's stop signal (Config.StopSignal, default SIGTERM). */
export function stopSignalOf(rec: ContainerRecord): number {
  return rec.config.StopSignal ? parseSignal(rec.config.StopSignal) : SIGTERM;
}

/**
 * Sends `sig` to the init through the runtime and publishes `kill` with Docker's `signal`
 * attribute. A process that exits meanwhile is not an error. A paused container is resumed
 * after a stop signal or SIGKILL, or the signal would wait in the frozen cgroup.
 */
export async function signalContainer(ctx: LifecycleContext, rec: ContainerRecord, sig: number): Promise<void> {
  const rt = ctx.runtimeOf(rec).runtime;
  let failure: unknown;
  // Tracked in ctx.signals: the exit this signal causes is recorded (and `die` published) only
  // after `kill` is, as dockerd orders them by holding the container's lock over its kill.
  await ctx.signals.run(rec.id, async () => {
    try {
      await rt.kill(rec.id, sig);
    } catch (err) {
      if (!isKind(err, 'NotFound') && !isKind(err, 'Conflict')) {
        failure = err;
        return;
      }
    }
    ctx.event(rec, 'kill', { signal: String(sig) });
  });
  if (failure !== undefined) throw failure;
  if (rec.state.status === 'paused' && (sig === SIGKILL || sig === stopSignalOf(rec))) {
    await rt.resume(rec.id).catch(() => undefined);
  }
}

/**
 * Marks a container stopped by the user (for `unless-stopped` and daemon-start decisions) and
 * cancels any restart its policy would do (Docker's ExitOnNext). A container waiting for its
 * restart delay has no process: it becomes `exited` at once.
 */
export async function markManuallyStopped(ctx: LifecycleContext, rec: ContainerRecord, cancelRestart: boolean): Promise<void> {
  // Under the lock: a restart whose delay just ended may be starting the container right now;
  // after this, it has either finished (the caller then signals the new process) or it sees
  // the cancelled manager and does not start.
  await ctx.locks.run(rec.id, async () => {
    if (cancelRestart) ctx.restartManager(rec.id).cancel();
    rec.hasBeenManuallyStopped = true;
    if (cancelRestart && rec.state.status === 'restarting') rec.state = { ...rec.state, status: 'exited' };
    await ctx.store.save(rec);
  });
}

/**
 * `POST /containers/{id}/stop`: the stop signal, then SIGKILL after `timeoutSec` (default the
 * container's StopTimeout, else 10 s; -1 waits forever); returns once the exit is recorded.
 * NotModified (304) when not running. Publishes `stop` at the end (after kill and die).
 */
export async function stopContainer(ctx: LifecycleContext, rec: ContainerRecord, timeoutSec?: number): Promise<void> {
  if (!isRunning(rec.state)) throw notModified(`Container ${rec.id} is already stopped`);
  await markManuallyStopped(ctx, rec, true);
  if (hasProcess(rec)) {
    const t = timeoutSec ?? rec.config.StopTimeout ?? DEFAULT_STOP_TIMEOUT;
    await signalContainer(ctx, rec, stopSignalOf(rec));
    const stopped = t < 0 ? await waitStopped(ctx, rec) : await waitStopped(ctx, rec, t * 1000);
    if (!stopped) {
      await signalContainer(ctx, rec, SIGKILL);
      if (!(await waitStopped(ctx, rec, KILL_WAIT_MS))) throw internal(`container ${rec.id} did not stop after SIGKILL`);
    }
  }
  ctx.event(rec, 'stop');
}

/**
 * `POST /containers/{id}/kill`: any signal (default SIGKILL); Conflict `Container X is not
 * running` otherwise. With SIGKILL it returns once the exit is recorded, as dockerd does.
 */
export async function killContainer(ctx: LifecycleContext, rec: ContainerRecord, signal?: string): Promise<void> {
  const sig = signal ? parseSignal(signal) : SIGKILL;
  if (!isRunning(rec.state)) throw conflict(`Container ${rec.id} is not running`);
  await markManuallyStopped(ctx, rec, sig === SIGKILL || sig === stopSignalOf(rec));
  if (!hasProcess(rec)) return;
  await signalContainer(ctx, rec, sig);
  if (sig === SIGKILL) await waitStopped(ctx, rec, KILL_WAIT_MS);
}

/** `POST /containers/{id}/pause` (cgroup freezer through the runtime). */
export async function pauseContainer(ctx: LifecycleContext, rec: ContainerRecord): Promise<void> {
  if (rec.state.status === 'paused') throw conflict(`Container ${rec.id} is already paused`);
  if (rec.state.status === 'restarting') throw conflict(`Container ${rec.id} is restarting, wait until the container is running`);
  if (rec.state.status !== 'running') throw conflict(`Container ${rec.id} is not running`);
  await ctx.runtimeOf(rec).runtime.pause(rec.id);
  rec.state = { ...rec.state, status: 'paused', health: stoppedHealth(rec) };
  await ctx.store.save(rec);
  ctx.event(rec, 'pause');
}

/** `POST /containers/{id}/unpause`. */
export async function unpauseContainer(ctx: LifecycleContext, rec: ContainerRecord): Promise<void> {
  if (rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not paused`);
  await ctx.runtimeOf(rec).runtime.resume(rec.id);
  rec.state = { ...rec.state, status: 'running' };
  await ctx.store.save(rec);
  ctx.event(rec, 'unpause');
}
