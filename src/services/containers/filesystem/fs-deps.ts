/**
 * What the container filesystem services (archive/cp, changes, export, commit) need from the rest
 * of the engine: a pick of the lifecycle's {@link ContainerService}, its per-container lock and
 * pause, a freezer for live containers, the snapshotter, and where to mount stopped rootfs.
 */
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { EventBus } from '../../../core/events/events.js';
import type { Snapshotter } from '../../../core/snapshots/snapshotter.js';
import type { ContainerService } from '../lifecycle/container-service.js';

/** A mount of the container seen by its processes (a volume or bind mount). */
export interface ContainerMount {
  /** Absolute path inside the container. */
  destination: string;
  /** Host path of what is mounted there. */
  source: string;
  readOnly: boolean;
  /** A bind or volume of the user's (`-v`, `--mount`): a write (cp into the container) makes its missing mount point. */
  user?: boolean;
}

export interface ContainerFsDeps {
  containers: Pick<ContainerService, 'get' | 'find' | 'bundleDir'>;
  snapshots: Snapshotter;
  /**
   * Runs `fn` holding the container's lifecycle lock: no start, exit handling, pause or removal
   * happens meanwhile, so its state and rootfs mount stay as they were when `fn` began.
   */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Freezes / thaws every process of a running container (the cgroup freezer through the OCI
   * runtime) without changing its recorded state or publishing events. Conflict or NotFound when
   * it has no processes.
   */
  freeze(id: string): Promise<void>;
  thaw(id: string): Promise<void>;
  /**
   * What is mounted into the container besides its rootfs: today the /etc files of its network
   * (see etcFileMounts); volumes and bind mounts join when the storage issue lands. They are bound
   * onto the rootfs view of an operation (see ContainerRootfs).
   */
  mountsOf(rec: ContainerRecord): ContainerMount[];
  /** A private directory for temporary rootfs mounts of stopped containers. */
  scratchDir: string;
  events?: Pick<EventBus, 'publish'>;
  warn?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Publishes a container event with Docker's attributes: its labels, `image`, `name`, then `extra`. */
export function containerEvent(deps: Pick<ContainerFsDeps, 'events'>, rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
  deps.events?.publish('container', action, { ID: rec.id, Attributes: { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name, ...extra } });
}
