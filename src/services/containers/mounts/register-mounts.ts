/**
 * A container's mount points at create (moby daemon.registerMountPoints + the image-volume part
 * of createContainerOSSpecificSettings): `--volumes-from`, `-v`, `--mount`, then the image's (and
 * `-v /path`'s) Config.Volumes as anonymous volumes. Volumes are created or referenced for the
 * container as they are met; {@link releaseMountPoints} undoes that when a later step fails.
 */
import { statSync } from 'node:fs';
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { MountPointRecord } from '../../../core/containers/mount-point.js';
import type { VolumeService } from '../../../core/volumes/volume.js';
import { internal, invalidArgument, isKind, toWharfError, unavailable } from '../../../errdefs/index.js';
import type { ContainerConfig, HostConfig, Mount } from '../../../spec/engine/types.js';
import { cleanPath, duplicateMountPoint, parseBind, parseMountSpec, parseVolumesFrom, readWrite, validateMountSpec, validateTmpfsDestination } from './mount-parser.js';

/** The volume operations containers use (the volume service provides them). */
export type ContainerVolumes = Pick<VolumeService, 'create' | 'get' | 'addRef' | 'dropRef' | 'acquire' | 'release' | 'remove'>;

/** What mount handling needs from the daemon. */
export interface MountDeps {
  /** The volume service; without it, volume mounts are refused (binds and tmpfs still work). */
  volumes?: ContainerVolumes;
  /** The daemon's data root: binds around it default to `rslave` (moby validateBindDaemonRoot). */
  dataRoot: string;
}

/** What registration reads besides the create request. */
export interface RegisterInput {
  id: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** `--volumes-from` lookup: a container by name or id, undefined when unknown. */
  findContainer(idOrName: string): ContainerRecord | undefined;
}

const exists = (p: string) => {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
};

/** `--mount` and `--tmpfs` checks made before anything is allocated (moby verifyContainerSettings): 400. */
export function validateMounts(h: HostConfig): void {
  for (const m of h.Mounts ?? []) validateMountSpec(m, exists);
  for (const dest of Object.keys(h.Tmpfs ?? {})) validateTmpfsDestination(dest);
}

function volumesOf(d: MountDeps): ContainerVolumes {
  if (!d.volumes) throw unavailable('volumes are not available in this daemon');
  return d.volumes;
}

/**
 * moby validateBindDaemonRoot: a bind whose source contains the data root (or lies inside it)
 * gets `rslave` so the daemon's own mounts (other containers' rootfs) are not pinned private in
 * it; an explicit private propagation there is refused. Returns whether to switch to rslave.
 */
export function needsSlavePropagation(m: Mount, dataRoot: string): boolean {
  if (m.Type !== 'bind') return false;
  const src = m.Source ?? '';
  // A plain prefix test, as moby's (so /data also matches a root of /data-x).
  if (!src.startsWith(dataRoot) && !dataRoot.startsWith(src)) return false;
  const prop = m.BindOptions?.Propagation ?? '';
  if (prop === '') return true;
  if (prop === 'rslave' || prop === 'rshared') return false;
  throw invalidArgument(
    `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: ${JSON.stringify(dataRoot)}, bind mount source: ${JSON.stringify(src)}, propagation: ${JSON.stringify(prop)}`,
  );
}

/** Builds the mount points of a new container, creating/referencing its volumes as it goes. */
export class MountRegistration {
  readonly points = new Map<string, MountPointRecord>();
  /** Volumes this registration referenced, to release on failure. */
  private readonly referenced = new Set<string>();

  constructor(
    private readonly d: MountDeps,
    private readonly input: RegisterInput,
  ) {}

  /** Steps 1–3 of moby's registerMountPoints. Throws Docker's errors; the caller then calls {@link undo}. */
  async register(): Promise<void> {
    const h = this.input.hostConfig;
    for (const spec of h.VolumesFrom ?? []) await this.volumesFrom(spec);
    const binds = new Set<string>();
    for (const raw of h.Binds ?? []) {
      const mp = parseBind(raw, h.VolumeDriver ?? '');
      if (needsSlavePropagation(mp.spec, this.d.dataRoot)) mp.propagation = 'rslave';
      if (binds.has(mp.destination) || Object.hasOwn(h.Tmpfs ?? {}, mp.destination)) throw duplicateMountPoint(mp.destination);
      if (mp.type === 'volume') await this.createVolume(mp);
      binds.add(mp.destination);
      await this.set(mp);
    }
    for (const m of h.Mounts ?? []) {
      const mp = parseMountSpec(m);
      if (needsSlavePropagation(mp.spec, this.d.dataRoot)) mp.propagation = 'rslave';
      if (binds.has(mp.destination)) throw duplicateMountPoint(m.Target ?? '');
      if (mp.type === 'volume') await this.createVolume(mp);
      binds.add(mp.destination);
      await this.set(mp);
    }
  }

  /**
   * Config.Volumes (the image's VOLUMEs and `-v /path`): an anonymous volume each where nothing is
   * mounted yet. `isFileInImage` says whether the image has a non-directory there (moby refuses
   * `cannot mount volume over existing file, file exists <path>`).
   */
  async imageVolumes(isFileInImage: (destination: string) => Promise<string | undefined>): Promise<void> {
    for (const spec of Object.keys(this.input.config.Volumes ?? {})) {
      const destination = cleanPath(spec);
      if (this.points.has(destination)) continue;
      const file = await isFileInImage(destination);
      if (file) throw internal(`cannot mount volume over existing file, file exists ${file}`);
      const v = await volumesOf(this.d).create({ driver: this.input.hostConfig.VolumeDriver || undefined, reference: this.input.id });
      this.referenced.add(v.name);
      this.points.set(destination, {
        type: 'volume',
        destination,
        source: v.mountpoint,
        name: v.name,
        driver: v.driver,
        mode: '',
        rw: true,
        propagation: '',
        copyData: true,
        spec: {},
      });
    }
  }

  /** The mount points, outermost destination first (stable for inspect and the spec). */
  list(): MountPointRecord[] {
    return [...this.points.values()];
  }

  /** Releases what register/imageVolumes referenced and removes the anonymous volumes they made. */
  async undo(): Promise<void> {
    await releaseMountPoints(this.d, this.input.id, this.list(), { removeAnonymous: true });
    // Volumes referenced before a duplicate replaced their mount point.
    for (const name of this.referenced) await this.d.volumes?.dropRef(name, this.input.id).catch(() => undefined);
  }

  /** moby's dereferenceIfExists + set: a later mount on a destination replaces an earlier one. */
  private async set(mp: MountPointRecord): Promise<void> {
    const old = this.points.get(mp.destination);
    if (old?.type === 'volume' && old.name && old.name !== mp.name) await this.d.volumes?.dropRef(old.name, this.input.id);
    this.points.set(mp.destination, mp);
  }

  private async createVolume(mp: MountPointRecord): Promise<void> {
    const opts = mp.spec.VolumeOptions;
    const v = await volumesOf(this.d).create({
      ...(mp.name ? { name: mp.name } : {}),
      ...(mp.driver ? { driver: mp.driver } : {}),
      driverOpts: opts?.DriverConfig?.Options ?? null,
      labels: opts?.Labels ?? null,
      reference: this.input.id,
    });
    this.referenced.add(v.name);
    mp.name = v.name;
    mp.driver = v.driver;
    mp.source = v.mountpoint;
    // moby setBindModeIfNull: local volumes get the `z` label mode when none was given.
    if (mp.mode === '') mp.mode = 'z';
  }

  /** Copies another container's mount points; `ro` makes them read-only. 400 for a bad spec or container. */
  private async volumesFrom(spec: string): Promise<void> {
    const [ref, mode] = parseVolumesFrom(spec);
    const other = this.input.findContainer(ref);
    if (!other) throw invalidArgument(`No such container: ${ref}`);
    for (const m of other.mountPoints ?? []) {
      const cp: MountPointRecord = { ...m, rw: m.rw && readWrite(mode), mode: '', copyData: false };
      if (cp.type === 'volume') {
        await volumesOf(this.d).addRef(cp.name, this.input.id);
        this.referenced.add(cp.name);
      }
      await this.set(cp);
    }
  }
}

/**
 * Drops the container's references to its volumes (moby removeMountPoints); with
 * `removeAnonymous` (`rm -v`, a failed create) also removes its anonymous ones — those given
 * without a name — unless another container still uses them (that Conflict is not an error).
 */
export async function releaseMountPoints(d: MountDeps, id: string, points: readonly MountPointRecord[], opts: { removeAnonymous?: boolean } = {}): Promise<void> {
  const errors: string[] = [];
  for (const m of points) {
    if (m.type !== 'volume' || !m.name || !d.volumes) continue;
    await d.volumes.dropRef(m.name, id);
    if (!opts.removeAnonymous || m.spec.Source) continue;
    await d.volumes.remove(m.name).catch((err) => {
      if (!isKind(err, 'Conflict') && !isKind(err, 'NotFound')) errors.push(toWharfError(err).message);
    });
  }
  if (errors.length) throw internal(`Failed to remove volumes: ${errors.join(', ')}`);
}

/**
 * At daemon start, before the volume service reconciles: every container's volumes are
 * referenced again from its record (idempotent), so a reference lost by a crash between a volume's
 * and a container's writes cannot let `volume rm` or `prune` take a volume a container still names.
 */
export async function restoreVolumeRefs(volumes: ContainerVolumes, containers: readonly ContainerRecord[], warn: (msg: string, fields: Record<string, unknown>) => void): Promise<void> {
  for (const rec of containers) {
    for (const m of rec.mountPoints ?? []) {
      if (m.type !== 'volume' || !m.name) continue;
      await volumes.addRef(m.name, rec.id).catch((err) => warn('a volume of a container is gone', { id: rec.id, volume: m.name, err: String(err) }));
    }
  }
}
