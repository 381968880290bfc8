/**
 * The volume driver contract: where a volume's content lives on the host, how it is kept across
 * restarts, and how a volume with mount options is mounted. The volume service (reference
 * counting, filters, events) sits on top; Wharf has one implementation, Docker's `local` driver
 * (src/plugins/volumes/local-volume-driver.ts).
 *
 * Invariants every implementation keeps:
 * - a volume exists once `create` resolved and until `remove` resolved, across crashes: a crash
 *   mid-create or mid-remove leaves no half volume visible to the next `load`;
 * - `remove` never deletes through a mount: content mounted on the volume (a bind of a host
 *   directory, an nfs share) is unmounted first, or the removal fails.
 */

/** What a driver persists per volume. */
export interface StoredVolume {
  name: string;
  /** RFC 3339 (seconds), as Docker reports `CreatedAt`. */
  createdAt: string;
  labels: Record<string, string> | null;
  /** Driver options as given; null when none. */
  options: Record<string, string> | null;
  anonymous: boolean;
  /** Containers referencing the volume (see VolumeService). */
  refs: string[];
}

export interface VolumeDriver {
  /** The driver's name in the API (`local`). */
  readonly name: string;
  /** The host directory a container binds: `<root>/<name>/_data`. */
  mountpoint(name: string): string;
  /** InvalidArgument with Docker's text for options the driver refuses. */
  validateOptions(options: Record<string, string> | null): void;
  /** Every persisted volume (after sweeping what a crash left half made). */
  load(): Promise<StoredVolume[]>;
  /** Makes the volume's directory and persists it; the volume exists once this resolves. */
  create(v: StoredVolume): Promise<void>;
  /** Persists a changed record (same name). */
  save(v: StoredVolume): Promise<void>;
  /** Unmounts and deletes the volume and its content. */
  remove(name: string): Promise<void>;
  /** Whether the volume has options that call for a mount on use. */
  needsMount(v: StoredVolume): boolean;
  /** Mounts per the volume's options on its mountpoint (Internal `failed to mount local volume: …`). */
  mount(v: StoredVolume): Promise<void>;
  /** Unmounts whatever is mounted on the mountpoint; not mounted is not an error. */
  unmount(name: string): Promise<void>;
  isMounted(name: string): Promise<boolean>;
  /** Bytes used under the mountpoint (regular files, hard links once). */
  size(name: string): Promise<number>;
}
