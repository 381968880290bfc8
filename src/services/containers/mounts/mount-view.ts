/**
 * How a container's mount points show outside: inspect's and ps's `Mounts` (moby
 * addMountPoints), the `volume=` ps filter, and the mounts `docker cp` sees.
 */
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { MountPointRecord } from '../../../core/containers/mount-point.js';
import type { MountPoint } from '../../../spec/engine/types.js';
import type { ContainerMount } from '../filesystem/fs-deps.js';

/**
 * One mount point in Docker's wire shape, keys in its order; `Name` and `Driver` only for
 * volumes (Go's omitempty), `Source` of a volume its host directory.
 */
export function mountPointView(m: MountPointRecord): MountPoint {
  const out: Record<string, unknown> = { Type: m.type };
  if (m.name) out.Name = m.name;
  out.Source = m.source;
  out.Destination = m.destination;
  if (m.driver) out.Driver = m.driver;
  Object.assign(out, { Mode: m.mode, RW: m.rw, Propagation: m.propagation });
  return out as MountPoint;
}

/** inspect's / ps's `Mounts`: every mount point (HostConfig.Tmpfs entries are not mount points). */
export function mountsView(rec: ContainerRecord): MountPoint[] {
  return (rec.mountPoints ?? []).map(mountPointView);
}

/** moby's `volume=` ps filter: a value matches a mount's destination, volume name, or (for a bind) source. */
export function matchesVolumeFilter(rec: ContainerRecord, values: readonly string[]): boolean {
  const points = rec.mountPoints ?? [];
  return values.some((v) => points.some((m) => m.destination === v || (m.name ? m.name === v : m.source === v)));
}

/**
 * The binds and volumes `docker cp` reaches through (dockerd mounts a container's volumes into
 * its base filesystem for an archive operation); a copy into a volume's path writes into the
 * volume. tmpfs mounts exist only inside a running container and are not included.
 */
export function archiveMounts(rec: ContainerRecord): ContainerMount[] {
  return (rec.mountPoints ?? []).filter((m) => m.type !== 'tmpfs' && m.source).map((m) => ({ destination: m.destination, source: m.source, readOnly: !m.rw, user: true }));
}
