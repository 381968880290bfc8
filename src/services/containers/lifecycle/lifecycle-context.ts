/**
 * What the lifecycle operations (create, start, exit handling, stop, remove, restore) share: the
 * injected dependencies, the runtime layout, per-container locks, restart managers, exit
 * watches, and the listener registry. Plain data plus a few helpers; the operations are
 * functions over it, and LifecycleService is their public face.
 */
import path from 'node:path';
import type { ContainerRecord, ContainerStore } from '../../../core/containers/container.js';
import type { EventBus } from '../../../core/events/events.js';
import type { ContainerNetworking } from '../../../core/network/container-networking.js';
import type { ImageRecord } from '../../../core/images/image-store.js';
import type { OciRuntime } from '../../../core/runtime/runtime.js';
import type { Snapshotter } from '../../../core/snapshots/snapshotter.js';
import { invalidArgument } from '../../../errdefs/index.js';
import type { Digest } from '../../../lib/digest.js';
import type { Logger } from '../../../lib/logger.js';
import { KeyedBackground } from '../../../lib/keyed-background.js';
import type { ImageConfigFile } from '../../../spec/oci/image.js';
import type { MountDeps } from '../mounts/register-mounts.js';
import type { DaemonFacts } from '../oci-spec/spec-input.js';
import type { RuntimeHandle } from './container-service.js';
import type { ExitWatch } from './exit-watcher.js';
import { KeyedMutex } from './keyed-mutex.js';
import { ListenerRegistry } from './listener-registry.js';
import { loopbackOnlyNetworking } from './network-view.js';
import { RestartManager } from './restart-manager.js';
import { RuntimeDeleteQueue } from './runtime-delete-queue.js';

/** The image operations the lifecycle needs (the image service provides them). */
export interface ImageLookup {
  /** NotFound `No such image: X` when unknown. */
  resolve(nameOrId: string): ImageRecord;
  get(id: Digest): ImageRecord | undefined;
  readConfig(image: ImageRecord): Promise<ImageConfigFile>;
}

/** One OCI runtime the daemon offers (`runc`, `crun`). */
export interface RuntimeEntry extends RuntimeHandle {
  runtime: OciRuntime;
}

export interface LifecycleDeps {
  store: ContainerStore;
  images: ImageLookup;
  snapshots: Snapshotter;
  /** By name; `defaultRuntime` must be one of them. */
  runtimes: ReadonlyMap<string, RuntimeEntry>;
  defaultRuntime: string;
  events: EventBus;
  log: Logger;
  facts: DaemonFacts;
  /**
   * The init layer (filesystem/init-layer.ts) stacked above the image in every container's
   * rootfs. Without it the runtime creates the mount targets in each container's rw layer.
   */
  initLayer?: string;
  /** The daemon's exec root: shim state dirs and bundles live under it. */
  execRoot: string;
  shimPath: string;
  /** How long `start` waits for attach clients to connect to a new shim; default 5 s. */
  shimReadyTimeoutMs?: number;
  /**
   * Networking (the network service): sandboxes, ports, DNS. Without it every container but
   * `--network host` gets a fresh namespace with only `lo` (see network-view.ts).
   */
  network?: ContainerNetworking;
  /**
   * Mounts: the volume service and the data root. Without it binds and tmpfs work, volume mounts
   * are refused, and the data root is taken as the parent of the container store's directory.
   */
  mounts?: MountDeps;
}

/** Short id used in runtime paths: unix socket paths must stay under 108 bytes. */
export const short = (id: string) => id.slice(0, 12);

export class LifecycleContext {
  readonly locks = new KeyedMutex();
  readonly listeners = new ListenerRegistry();
  readonly watches = new Map<string, ExitWatch>();
  /** Runtime deletes of finished runs, off the exit path; a start of the same id waits for its own. */
  readonly runtimeDeletes: RuntimeDeleteQueue;
  /**
   * Per container, what its exit and removal left to the background: the rootfs unmount, then
   * the bundle dir (it holds the mount point) and the snapshot's files. A start, a cp/export and
   * shutdown wait for it (`settled`, `drain`); what a crash cuts short, start-up sweeps.
   */
  readonly rootfsWork: KeyedBackground;
  /** Signals being sent, per container: an exit is recorded after them (see signalContainer). */
  readonly signals: KeyedBackground;
  /** Containers whose last run their exit released (cleared by the next start, or the removal). */
  readonly released = new Set<string>();
  private readonly restartManagers = new Map<string, RestartManager>();
  execIds: (containerId: string) => string[] = () => [];

  readonly network: ContainerNetworking;

  constructor(readonly deps: LifecycleDeps) {
    this.network = deps.network ?? loopbackOnlyNetworking;
    this.runtimeDeletes = new RuntimeDeleteQueue(deps.log);
    this.rootfsWork = new KeyedBackground((id, err) => deps.log.warn('background rootfs release failed', { id, err }));
    // signalContainer reports its own failures: its tasks do not throw.
    this.signals = new KeyedBackground((id, err) => deps.log.error('sending a signal failed', { id, err }));
  }

  /** What mount handling needs (see LifecycleDeps.mounts). */
  get mountDeps(): MountDeps {
    // The store keeps `<data-root>/containers/<id>/`.
    return this.deps.mounts ?? { dataRoot: path.resolve(this.deps.store.dir('x'), '../..') };
  }

  get store(): ContainerStore {
    return this.deps.store;
  }

  get log(): Logger {
    return this.deps.log;
  }

  shimStateDir(id: string): string {
    return path.join(this.deps.execRoot, 's', short(id));
  }

  /** Where removed containers' bundle and shim state dirs go to be deleted in the background. */
  trashDir(): string {
    return path.join(this.deps.execRoot, 'trash');
  }

  /** Where the containers' bundle dirs live (one per container, named by its short id). */
  bundlesRoot(): string {
    return path.join(this.deps.execRoot, 'b');
  }

  bundleDir(id: string): string {
    return path.join(this.bundlesRoot(), short(id));
  }

  rootfsDir(id: string): string {
    return path.join(this.bundleDir(id), 'rootfs');
  }

  /** The container's cgroup (OCI cgroupsPath), as the spec generator sets it. */
  cgroupsPath(rec: ContainerRecord): string {
    return `${rec.hostConfig.CgroupParent || this.deps.facts.cgroupParent}/${rec.id}`;
  }

  runtime(name: string): RuntimeEntry {
    const r = this.deps.runtimes.get(name);
    if (!r) throw invalidArgument(`Unknown runtime specified ${name}`);
    return r;
  }

  runtimeOf(rec: ContainerRecord): RuntimeEntry {
    return this.runtime(rec.runtime || this.deps.defaultRuntime);
  }

  restartManager(id: string, reset = false): RestartManager {
    let rm = this.restartManagers.get(id);
    if (!rm || reset) {
      rm?.cancel();
      rm = new RestartManager();
      this.restartManagers.set(id, rm);
    }
    return rm;
  }

  forget(id: string): void {
    this.restartManagers.get(id)?.cancel();
    this.restartManagers.delete(id);
    this.watches.get(id)?.close();
    this.watches.delete(id);
  }

  /**
   * Publishes a container event with Docker's attributes: the labels, `image`, `name`, and
   * `extra` (exitCode, signal, oldName), keys sorted as Go marshals a map.
   */
  event(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    const all: Record<string, string> = { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name, ...extra };
    const attributes = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]!]));
    this.deps.events.publish('container', action, { ID: rec.id, Attributes: attributes });
  }
}
