import path from 'node:path';
import type { ContainerRecord, HealthcheckResultRecord } from '../../../core/containers/container.js';
import type { ImageUsage, ImageUser } from '../../../core/images/image-usage.js';
import { conflict, invalidArgument, notModified } from '../../../errdefs/index.js';
import type { Digest } from '../../../lib/digest.js';
import type { ContainerCreateRequest, ContainerInspectResponse, ContainerSummary, ContainerCreateResponse } from '../../../spec/engine/types.js';
import { inspectContainer } from './container-inspect.js';
import { type ListOptions, listContainers } from './container-list.js';
import type { ContainerExit, ContainerService, RuntimeHandle, ShimReadyListener, WaitCondition, WaitResult } from './container-service.js';
import { createContainer } from './create-container.js';
import { recordProbeResult } from './health-state.js';
import type { WatchedExit } from './exit-watcher.js';
import { recordExit } from './exit-handler.js';
import { LifecycleContext, type LifecycleDeps, short } from './lifecycle-context.js';
import { type ContainersPruneReport, pruneContainers } from './prune-containers.js';
import { destroyContainer, refuseLiveRemoval } from './remove-container.js';
import { startContainer } from './start-container.js';
import { isRunning } from './status-text.js';
import {
  markManuallyStopped,
  pauseContainer,
  signalContainer,
  stopContainer,
  unpauseContainer,
  waitStopped,
} from './stop-container.js';
import { SIGKILL } from './signals.js';
import { killAsDockerd, renameRecord } from './dockerd-wording.js';
import { type ContainerUpdate, updateContainer, validateUpdate } from './update-container.js';
import { waitContainer } from './wait-container.js';
import { removalsSettled } from '../../../lib/remove-later.js';

/** Container counts for `/info`. */
export interface ContainerCounts {
  total: number;
  running: number;
  paused: number;
  stopped: number;
}

/**
 * The container lifecycle with Docker's semantics: create, start, stop, kill, restart, pause,
 * rename, remove, prune, wait, list and inspect, exit handling with restart policies and
 * AutoRemove, and live restore (restore.ts). Implements {@link ContainerService} for the stream
 * services and {@link ImageUsage} for the image service. No HTTP here.
 */
export class LifecycleService implements ContainerService, ImageUsage {
  readonly ctx: LifecycleContext;

  constructor(deps: LifecycleDeps) {
    this.ctx = new LifecycleContext(deps);
  }

  // --- ContainerService ---

  get(idOrName: string): ContainerRecord {
    return this.ctx.store.resolve(idOrName);
  }

  find(idOrName: string): ContainerRecord | undefined {
    return this.ctx.store.find(idOrName);
  }

  list(): ContainerRecord[] {
    return this.ctx.store.list();
  }

  shimStateDir(id: string): string {
    return this.ctx.shimStateDir(id);
  }

  execStateDir(id: string, execId: string): string {
    return path.join(this.ctx.shimStateDir(id), `e-${short(execId)}`);
  }

  bundleDir(id: string): string {
    return this.ctx.bundleDir(id);
  }

  get shimPath(): string {
    return this.ctx.deps.shimPath;
  }

  runtimeOf(id: string): RuntimeHandle {
    const { name, binary, root } = this.ctx.runtimeOf(this.get(id));
    return { name, binary, root };
  }

  async start(idOrName: string): Promise<void> {
    const rec = this.get(idOrName);
    let persisted: Promise<void> = Promise.resolve();
    try {
      await this.ctx.locks.run(rec.id, async () => {
        const s = rec.state.status;
        if (s === 'paused') throw conflict('cannot start a paused container, try unpause instead');
        if (isRunning(rec.state)) throw notModified('Container already started');
        if (s === 'removing' || s === 'dead') throw conflict('container is marked for removal and cannot be started');
        // A user's start begins afresh: no longer "manually stopped", restart counting from 0.
        rec.hasBeenManuallyStopped = false;
        rec.restartCount = 0;
        this.ctx.restartManager(rec.id, true);
        persisted = (await startContainer(this.ctx, rec, this.onRunEnded)).persisted;
      });
      // Outside the lock: an exit of the new run need not wait for the record's fsync.
      await persisted;
    } catch (err) {
      // Docker removes an AutoRemove container whose start failed.
      if (rec.hostConfig.AutoRemove && rec.state.status === 'created' && this.find(rec.id)) {
        await this.remove(rec.id, { force: true, volumes: true }).catch((e) => this.ctx.log.warn('auto-remove failed', { id: rec.id, err: e }));
      }
      throw err;
    }
  }

  wait(idOrName: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    return waitContainer(this.ctx, this.get(idOrName), condition, signal);
  }

  onExit(id: string, listener: (exit: ContainerExit) => void): () => void {
    return this.ctx.listeners.onExit(this.get(id).id, listener);
  }

  onShimReady(id: string, listener: ShimReadyListener): () => void {
    return this.ctx.listeners.onShimReady(this.get(id).id, listener);
  }

  onRemove(listener: (id: string) => void): () => void {
    return this.ctx.listeners.onAnyRemoved(listener);
  }

  setExecIdsProvider(provider: (containerId: string) => string[]): void {
    this.ctx.execIds = provider;
  }

  // --- exits and restart policies ---

  /**
   * The exit watch of a run reported: record it under the lock, then restart or auto-remove.
   * Settles once recorded (and auto-removed); live restore awaits that. Never rejects.
   */
  readonly onRunEnded = (rec: ContainerRecord, watched: WatchedExit): Promise<void> => {
    // The run's deferred runtime delete waits until this exit is handled (RecordExitOptions).
    const handling: Promise<void> = this.ctx.locks
      .run(rec.id, () => recordExit(this.ctx, rec, watched, { handled: () => handling }))
      .then((after) => {
        if (after.kind === 'restart') this.scheduleRestart(rec.id, after.delayMs);
        else if (after.kind === 'remove') return this.remove(rec.id, { force: true, volumes: true });
        return undefined;
      })
      .catch((err) => this.ctx.log.error('handling a container exit failed', { id: rec.id, err }));
    return handling;
  };

  /**
   * Runs `fn` holding the container's lock, once what its last run left to the background (the
   * rootfs unmount) is done: a cp, export or commit of a stopped container mounts its snapshot.
   */
  withFilesystemLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.ctx.locks.run(id, async () => {
      await this.ctx.rootfsWork.settled(id);
      return fn();
    });
  }

  private heldRestarts: (() => void)[] | undefined;

  /**
   * Holds restart-policy restarts until the returned release is called. Live restore records
   * exits that happened while the daemon was down; their restarts must wait until networking
   * has reconciled its sandboxes, which would otherwise tear down a fresh start's sandbox.
   */
  holdRestarts(): () => void {
    const held: (() => void)[] = [];
    this.heldRestarts = held;
    return () => {
      if (this.heldRestarts === held) this.heldRestarts = undefined;
      for (const go of held) go();
    };
  }

  private scheduleRestart(id: string, delayMs: number): void {
    const go = () => this.ctx.restartManager(id).schedule(delayMs, () => void this.restartByPolicy(id));
    if (this.heldRestarts) this.heldRestarts.push(go);
    else go();
  }

  /** A restart policy's start (no reset of the restart count; `start` event as Docker). */
  async restartByPolicy(id: string): Promise<void> {
    const rec = this.find(id);
    if (!rec) return;
    await this.ctx.locks.run(id, async () => {
      if (rec.state.status !== 'restarting' && rec.state.status !== 'exited') return;
      // A stop, kill or rm got the lock first and cancelled this restart.
      if (this.ctx.restartManager(id).isCancelled) return;
      try {
        await (await startContainer(this.ctx, rec, this.onRunEnded)).persisted;
      } catch (err) {
        this.ctx.log.warn('restart by policy failed', { id, err });
        rec.state = { ...rec.state, status: 'exited' };
        await this.ctx.store.save(rec);
      }
    });
  }

  // --- the Engine API's container operations ---

  create(body: ContainerCreateRequest, name?: string): Promise<ContainerCreateResponse> {
    return createContainer(this.ctx, body, name);
  }

  async inspect(idOrName: string, size = false): Promise<ContainerInspectResponse> {
    return inspectContainer(this.ctx, this.get(idOrName), size);
  }

  listContainers(opts: ListOptions): Promise<ContainerSummary[]> {
    return listContainers(this.ctx, opts);
  }

  async stop(idOrName: string, timeoutSec?: number): Promise<void> {
    await stopContainer(this.ctx, this.get(idOrName), timeoutSec);
  }

  async kill(idOrName: string, signal?: string): Promise<void> {
    await killAsDockerd(this.ctx, idOrName, () => this.get(idOrName), signal);
  }

  /** A healthcheck probe's result for the run that started at `run` (see health-state.ts). */
  recordHealth(id: string, run: string, r: HealthcheckResultRecord): Promise<void> {
    const rec = this.find(id);
    return rec ? this.ctx.locks.run(rec.id, () => recordProbeResult(this.ctx, rec, run, r)) : Promise.resolve();
  }

  /** `docker update`: checked alone first (dockerd's order), then merged and applied under the lock. */
  async update(idOrName: string, u: ContainerUpdate): Promise<{ Warnings: string[] | null }> {
    const warnings = validateUpdate(this.ctx, u);
    const rec = this.get(idOrName);
    await this.ctx.locks.run(rec.id, () => updateContainer(this.ctx, rec, u));
    return { Warnings: warnings.length ? warnings : null };
  }

  /** Docker's restart: stop (without AutoRemove taking it away) if running, start, then `restart`. */
  async restart(idOrName: string, timeoutSec?: number): Promise<void> {
    const rec = this.get(idOrName);
    if (isRunning(rec.state)) {
      const autoRemove = rec.hostConfig.AutoRemove;
      rec.hostConfig.AutoRemove = false;
      try {
        await stopContainer(this.ctx, rec, timeoutSec);
      } finally {
        rec.hostConfig.AutoRemove = autoRemove;
        await this.ctx.store.save(rec);
      }
    }
    await this.start(rec.id);
    this.ctx.event(rec, 'restart');
  }

  async pause(idOrName: string): Promise<void> {
    const rec = this.get(idOrName);
    await this.ctx.locks.run(rec.id, () => pauseContainer(this.ctx, rec));
  }

  async unpause(idOrName: string): Promise<void> {
    const rec = this.get(idOrName);
    await this.ctx.locks.run(rec.id, () => unpauseContainer(this.ctx, rec));
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    if (!newName) throw invalidArgument('Neither old nor new names may be empty');
    const rec = this.get(idOrName);
    const old = rec.name;
    await this.ctx.locks.run(rec.id, () => renameRecord(this.ctx, rec, newName));
    this.ctx.event(rec, 'rename', { oldName: `/${old}` });
  }

  /** `DELETE /containers/{id}`: Conflict for a live container without force; force kills it first. */
  async remove(idOrName: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.get(idOrName);
    if (rec.state.status === 'removing') throw conflict(`removal of container ${rec.id} is already in progress`);
    if (isRunning(rec.state)) {
      if (!opts.force) refuseLiveRemoval(rec);
      await markManuallyStopped(this.ctx, rec, true);
      if (rec.state.status === 'running' || rec.state.status === 'paused') {
        await signalContainer(this.ctx, rec, SIGKILL);
        await waitStopped(this.ctx, rec, 30_000);
      }
    }
    await this.ctx.locks.run(rec.id, async () => {
      if (this.find(rec.id) !== rec) return; // removed meanwhile (AutoRemove raced a user's rm)
      await destroyContainer(this.ctx, rec, { volumes: opts.volumes });
    });
  }

  prune(filters: Map<string, string[]>): Promise<ContainersPruneReport> {
    return pruneContainers(this.ctx, filters, (id) => this.remove(id));
  }

  counts(): ContainerCounts {
    const c: ContainerCounts = { total: 0, running: 0, paused: 0, stopped: 0 };
    for (const rec of this.ctx.store.list()) {
      c.total++;
      if (rec.state.status === 'paused') c.paused++;
      else if (isRunning(rec.state)) c.running++;
      else c.stopped++;
    }
    return c;
  }

  /** {@link ImageUsage}: containers using image `id`, running ones first (for rmi's 409). */
  usersOf(id: Digest): ImageUser[] {
    return this.ctx.store
      .list()
      .filter((r) => r.imageId === id)
      .map((r) => ({ id: r.id, running: isRunning(r.state) }))
      .sort((a, b) => Number(b.running) - Number(a.running));
  }

  /** The containers part of `GET /system/df`: every container with its sizes. */
  diskUsage(): Promise<ContainerSummary[]> {
    return listContainers(this.ctx, { all: true, size: true });
  }

  /** Daemon shutdown: stop watching (containers keep running for live restore); run the queued runtime deletes. */
  async close(): Promise<void> {
    for (const rec of this.ctx.store.list()) this.ctx.forget(rec.id);
    await this.ctx.rootfsWork.drain();
    await this.ctx.runtimeDeletes.drain();
    // A clean stop leaves no trash (a crash's is cleared at the next start).
    await removalsSettled();
  }
}
