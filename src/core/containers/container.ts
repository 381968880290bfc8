import type { Digest } from '../../lib/digest.js';
import type { ContainerConfig, HostConfig, NetworkingConfig } from '../../spec/engine/types.js';
import type { MountPointRecord } from './mount-point.js';

/** Docker's container states, as `State.Status` reports them. */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** The persisted state of a container (what inspect's `State` is made from). */
export interface ContainerStateRecord {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  /** The runtime's or start's error message, for `State.Error`. */
  error: string;
  oomKilled: boolean;
  /** RFC 3339 with nanoseconds; Go's zero time `0001-01-01T00:00:00Z` when never. */
  startedAt: string;
  finishedAt: string;
  /** Pid of the wharf-shim holding the container's stdio (0 when none). */
  shimPid: number;
  /** Its healthcheck's state, from its first start with a probe on (moby container.Health). */
  health?: HealthRecord;
}

/** One probe's result (moby types.HealthcheckResult); times RFC 3339 with nanoseconds. */
export interface HealthcheckResultRecord {
  start: string;
  end: string;
  /** 0 healthy, anything else a failure; -1 when the probe could not run or timed out. */
  exitCode: number;
  output: string;
}

export interface HealthRecord {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  /** The last five results, oldest first. */
  log: HealthcheckResultRecord[];
}

/**
 * A container as the engine keeps it, persisted as `<data-root>/containers/<id>/config.v2.json`.
 * `config` is the create request's config already merged with the image's defaults.
 */
export interface ContainerRecord {
  id: string;
  /** Without the leading slash Docker shows in `Name`. */
  name: string;
  created: string;
  /** The image reference as the user gave it (`Config.Image`). */
  image: string;
  imageId: Digest;
  config: ContainerConfig;
  hostConfig: HostConfig;
  networkingConfig?: NetworkingConfig;
  path: string;
  args: string[];
  state: ContainerStateRecord;
  restartCount: number;
  /** True once a user stopped it, for `unless-stopped` and restart-on-daemon-start decisions. */
  hasBeenManuallyStopped: boolean;
  /** The snapshot key of its rootfs (an active snapshot on the image's top chainID). */
  snapshotKey: string;
  logPath: string;
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
  /** The OCI runtime it was created with (runc or crun). */
  runtime: string;
  /** Its binds, volumes and tmpfs mounts (see mount-point.ts); absent for records made before them. */
  mountPoints?: MountPointRecord[];
}

/** Go's zero time, which Docker prints for "never". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * The container records. Implementations keep every record in memory (ps must be fast) and
 * persist each change crash-safely before returning.
 */
export interface ContainerStore {
  /** Resolves a full ID, a name (with or without `/`), or a unique ID prefix. NotFound: `No such container: X`. */
  resolve(idOrName: string): ContainerRecord;
  /** Like resolve, but undefined instead of NotFound. */
  find(idOrName: string): ContainerRecord | undefined;
  list(): ContainerRecord[];
  /** Adds a new record. Conflict when the name is taken, with Docker's message. */
  add(record: ContainerRecord): Promise<void>;
  /** Persists a changed record (same id). */
  save(record: ContainerRecord): Promise<void>;
  rename(id: string, newName: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** The per-container directory (logs, hostname, hosts, resolv.conf, shim state). */
  dir(id: string): string;
}
