import type { Mount } from '../../spec/engine/types.js';

/** The kinds of mount a container has besides its rootfs. */
export type MountPointType = 'bind' | 'volume' | 'tmpfs';

/**
 * One mount of a container (moby's volume/mounts.MountPoint), resolved at create and persisted
 * with the container record (`ContainerRecord.mountPoints`). Binds come from `-v /host:/ctr` and
 * `--mount type=bind`, volumes from `-v name:/ctr`, `--mount type=volume`, an image's VOLUME or
 * `--volumes-from`, tmpfs from `--mount type=tmpfs` (HostConfig.Tmpfs is not a mount point).
 */
export interface MountPointRecord {
  type: MountPointType;
  /** Clean absolute path in the container; unique per container. */
  destination: string;
  /** Host path: the bind source, or the volume's directory; '' for tmpfs. */
  source: string;
  /** The volume's name ('' unless a volume). */
  name: string;
  /** The volume driver ('' unless a volume). */
  driver: string;
  /** The mode string as written after the second `:` of `-v` (Docker's `Mode`), `z` for local volumes given without one. */
  mode: string;
  rw: boolean;
  /** Bind propagation (`rprivate` default for binds, `rslave` for sources around the data root), '' otherwise. */
  propagation: string;
  /** Copy the image's content at `destination` into an empty volume at create (not `nocopy`). */
  copyData: boolean;
  /**
   * The mount as given (HostConfig.Mounts entry, or the parsed `-v`); `Source` empty means an
   * anonymous volume (`rm -v` removes those).
   */
  spec: Mount;
  /** `--mount type=bind`: the source must exist; the daemon never creates it (a `-v` source it does). */
  skipMountpointCreation?: boolean;
}
