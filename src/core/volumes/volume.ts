/**
 * The volumes contract. THIS FILE IS THE CONTRACT THE MOUNTS ENGINEER CONSUMES (containers'
 * `-v`, `--mount type=volume`, `--volumes-from`, `rm -v`, copy-up): change it only together.
 *
 * Two roles, as in Docker's volume service:
 * - **references** (`create({reference})`, `addRef`, `dropRef`, `refs`): a container that has a
 *   volume in its mounts references it from its create until its removal. A referenced volume
 *   refuses `remove` (409 `remove NAME: volume is in use - [ids]`) and is never pruned. References
 *   are persisted with the volume, and `reconcile` drops those of containers that no longer exist
 *   (a crash between a container's removal and its `dropRef`).
 * - **mounts** (`acquire`, `release`): a container start acquires each volume it mounts and gets
 *   the host directory to bind into the container; its stop releases it. A volume created with
 *   driver options (`--opt type=tmpfs --opt device=tmpfs --opt o=size=1m`, `type=none o=bind
 *   device=/host/dir`, nfs, …) is mounted by the local driver on its first acquire (`mount -t TYPE
 *   -o O DEVICE <mountpoint>`) and unmounted when its last holder releases it, as Docker's local
 *   driver does. A plain volume is just its directory.
 *
 * Container lifecycle, as the containers service drives it:
 *   create  → `create({name, reference: cid})` for `-v name:/p` (Docker creates missing named
 *             volumes on the fly; an existing one is returned), `create({anonymous: true,
 *             reference: cid})` for an image VOLUME or `-v /p`, `addRef(name, cid)` for
 *             `--volumes-from`; copy-up: `acquire` (no event) → copy → `release` (no event);
 *   start   → `acquire(name, cid, {event: {destination, readWrite, propagation}})` per mount;
 *   stop    → `release(name, cid, {event: true})` per mount;
 *   rm      → `dropRef(name, cid)` per volume, then `remove(name)` for its anonymous ones on `rm -v`.
 *   daemon start → `reconcile({existing, running})` once the containers are restored.
 */

/** The only driver Wharf has: Docker's `local`. */
export const LOCAL_DRIVER = 'local';

/** A volume as the engine keeps it (persisted under `<data-root>/volumes/<name>/`). */
export interface VolumeRecord {
  name: string;
  driver: typeof LOCAL_DRIVER;
  /** `<data-root>/volumes/<name>/_data`, as Docker. */
  mountpoint: string;
  /** RFC 3339 in seconds (Docker's `CreatedAt`: `2026-11-22T10:33:39Z`). */
  createdAt: string;
  /** Null when none were given (Docker sends `"Labels": null` then). */
  labels: Record<string, string> | null;
  /** Driver options as given (`--opt`); null when none. */
  options: Record<string, string> | null;
  scope: 'local';
  /** Created for a container without a name of the user's (image VOLUME, `-v /path`, or a name-less create). */
  anonymous: boolean;
}

/** A volume with its disk usage, for `system df`. */
export interface VolumeUsage extends VolumeRecord {
  /** Bytes under the mountpoint; -1 when not computable (as Docker). */
  size: number;
  /** Containers referencing it. */
  refCount: number;
}

export interface CreateVolumeOptions {
  /** Absent or empty: a random 64-hex name (an anonymous volume). */
  name?: string;
  /** Only `local` (the default) exists. */
  driver?: string;
  labels?: Record<string, string> | null;
  driverOpts?: Record<string, string> | null;
  /** Defaults to true when no name is given. */
  anonymous?: boolean;
  /** A container ID to reference the volume at once, atomically with the create (no prune can slip in between). */
  reference?: string;
}

/** Docker's filter map (`{"dangling":["true"]}`). */
export type VolumeFilters = ReadonlyMap<string, readonly string[]>;

export interface PruneReport {
  volumesDeleted: string[];
  spaceReclaimed: number;
}

/** What the `mount` event of a start reports (Docker's attributes). */
export interface MountEventInfo {
  destination: string;
  readWrite: boolean;
  /** `rprivate`, `rshared`, … or '' (Docker sends '' for volumes by default). */
  propagation: string;
}

export interface AcquireOptions {
  /** Emit Docker's `mount` event with these attributes (container starts do; copy-up does not). */
  event?: MountEventInfo;
}

export interface ReleaseOptions {
  /** Emit Docker's `unmount` event (container stops do; copy-up does not). */
  event?: boolean;
}

/** The engine's volumes. Every method throws WharfErrors with Docker's messages. */
export interface VolumeService {
  /**
   * Creates a volume, or returns the existing one of that name (Docker's behaviour; its labels
   * and options are kept as they were). InvalidArgument for a bad name or driver options, with
   * Docker's text. Emits `create` for a new volume.
   */
  create(opts: CreateVolumeOptions): Promise<VolumeRecord>;
  /** NotFound `get NAME: no such volume`. */
  get(name: string): VolumeRecord;
  /** Like get, but undefined when missing. */
  find(name: string): VolumeRecord | undefined;
  /** Filters `dangling`, `driver`, `label`, `name`; InvalidArgument for others (Docker's text). */
  list(filters?: VolumeFilters): VolumeRecord[];
  /**
   * Removes a volume. NotFound when missing (nothing with `force`); Conflict
   * `remove NAME: volume is in use - [id, …]` while referenced (also with `force`); with `force`,
   * a failing driver removal still forgets the volume. Emits `destroy`.
   */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  /**
   * Removes every unreferenced volume matching `label`/`label!` filters. API 1.41 semantics
   * (dockerd 20.10): named and anonymous volumes alike — the `all` filter only exists from 1.42.
   */
  prune(filters?: VolumeFilters): Promise<PruneReport>;
  /** Records that a container references the volume. NotFound when missing. Idempotent. */
  addRef(name: string, containerId: string): Promise<void>;
  /** Drops a container's reference. Idempotent; a missing volume is not an error. */
  dropRef(name: string, containerId: string): Promise<void>;
  /** The containers referencing a volume (IDs, in reference order); [] for a missing volume. */
  refs(name: string): string[];
  /**
   * Makes the volume's content available at `hostPath` for a container: mounts an options
   * volume on its first holder. Each acquire needs one release. NotFound when missing; the
   * driver's mount failure is Internal (`failed to mount local volume: …`).
   */
  acquire(name: string, containerId: string, opts?: AcquireOptions): Promise<{ hostPath: string }>;
  /** Undoes one acquire of the container; the last holder's release unmounts. Idempotent. */
  release(name: string, containerId: string, opts?: ReleaseOptions): Promise<void>;
  /**
   * After a daemon restart, once containers are restored: drops references of containers not in
   * `existing`, counts each running referencing container as a holder of a still-mounted options
   * volume (one acquire; a container started again by the restore keeps its own count), and
   * unmounts options volumes nobody running holds.
   */
  reconcile(live: { existing: ReadonlySet<string>; running: ReadonlySet<string> }): Promise<void>;
  /**
   * Volumes with their size and reference count (`system df`): as dockerd, those with driver
   * options are left out (measuring a mounted share is costly).
   */
  usage(): Promise<VolumeUsage[]>;
}
