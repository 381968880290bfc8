/**
 * A mount to perform, as the OCI runtime spec writes it. Snapshotters return these; they do not
 * mount (containerd's rule): the runtime or the builder performs them.
 */
export interface MountSpec {
  type: string;
  source: string;
  options: string[];
}

export type SnapshotKind = 'committed' | 'active' | 'view';

export interface SnapshotInfo {
  /** The key: a chainID (`sha256:…`) for committed image layers; any unique string otherwise. */
  key: string;
  /** Key of the committed parent, if any. */
  parent?: string;
  kind: SnapshotKind;
  created: string;
  labels: Record<string, string>;
}

export interface PrepareOptions {
  /**
   * A read-only directory stacked right above the parents, under the snapshot's own layer: in
   * its mounts and its lowerDirs, never in a parent chain (Docker's container init layer, which
   * is the same for every container, so one directory serves them all). The caller owns it and
   * must not change it while a snapshot names it.
   */
  initLayer?: string;
}

export interface SnapshotUsage {
  /** Bytes on disk of this snapshot's own directory (not its parents). */
  size: number;
  inodes: number;
}

/**
 * Layered filesystem snapshots (containerd's contract). Image layers are committed snapshots keyed
 * by chainID; a container's rootfs is an active snapshot prepared on the image's top chainID.
 *
 * Lifecycle: `prepare(key, parent)` makes an active (writable) snapshot; its rw directory is
 * `writableDir(key)` (the overlay upperdir), where a layer tar can be applied directly;
 * `commit(name, key)` turns it into a committed, read-only snapshot called `name`.
 * A committed snapshot with children cannot be removed (Conflict).
 */
export interface Snapshotter {
  stat(key: string): Promise<SnapshotInfo>;
  /** A writable snapshot on `parent` (or empty). Conflict if `key` exists. */
  prepare(key: string, parent?: string, labels?: Record<string, string>, opts?: PrepareOptions): Promise<MountSpec[]>;
  /** A read-only view of `parent`. */
  view(key: string, parent: string, labels?: Record<string, string>): Promise<MountSpec[]>;
  /** The mounts of an existing active or view snapshot. */
  mounts(key: string): Promise<MountSpec[]>;
  /** The directory the snapshot's own changes live in (overlay upperdir). */
  writableDir(key: string): string;
  /** The lower directories of `key`, top first (for diffs and exports). */
  lowerDirs(key: string): Promise<string[]>;
  commit(name: string, key: string, labels?: Record<string, string>): Promise<void>;
  /**
   * Removes `key` (Conflict while it has children). With `lazy`, its files are deleted in the
   * background once the snapshot is gone (a removal on a client's path), and not before
   * `deleteAfter` settled (e.g. the unmount of an overlay still using them); else before returning.
   */
  remove(key: string, opts?: { lazy?: boolean; deleteAfter?: Promise<unknown> }): Promise<void>;
  usage(key: string): Promise<SnapshotUsage>;
  list(): Promise<SnapshotInfo[]>;
}
