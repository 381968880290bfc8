/**
 * A container's mount points as OCI mounts for one run (moby setupMounts + the user-mount part
 * of WithMounts): volumes acquired (their host directory, mounted by the driver when the volume
 * has options), `-v` bind sources created when missing, tmpfs mounts with Docker's options. The
 * mount points inside the rootfs are made by the OCI runtime, which resolves them inside the
 * container root (runc/crun securejoin), so a symlink in the image cannot aim a mount at the host.
 */
import { promises as fs } from 'node:fs';
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { MountPointRecord } from '../../../core/containers/mount-point.js';
import type { OciMount } from '../../../core/runtime/oci-spec-types.js';
import { errnoCode, internal } from '../../../errdefs/index.js';
import { tmpfsMounts } from '../oci-spec/mounts.js';
import { tmpfsData } from './mount-parser.js';
import type { MountDeps } from './register-mounts.js';
import { ensureShared, ensureSharedOrSlave } from './source-propagation.js';

/** The user mounts of one run and the rootfs propagation they call for. */
export interface RunMounts {
  mounts: OciMount[];
  /** `shared` for an rshared bind, `rslave` for an rslave one (moby WithMounts); undefined otherwise. */
  rootfsPropagation?: string;
}

/** moby's Setup for a `-v` bind: the source is created (0755, like MkdirAll) when missing. */
async function ensureBindSource(m: MountPointRecord): Promise<void> {
  if (m.skipMountpointCreation) return;
  try {
    await fs.mkdir(m.source, { recursive: true, mode: 0o755 });
  } catch (err) {
    // An existing file is fine: a file can be bind-mounted (moby ignores ENOTDIR the same way).
    const code = errnoCode(err);
    if (code === 'EEXIST' || code === 'ENOTDIR') return;
    throw internal(`error while creating mount source path '${m.source}': ${(err as Error).message}`, { cause: err });
  }
}

/** moby's bind options: rbind (bind with bind-nonrecursive), ro, and the propagation. */
function bindOptions(m: MountPointRecord): string[] {
  const opts = [m.spec.BindOptions?.NonRecursive ? 'bind' : 'rbind'];
  if (!m.rw) opts.push('ro');
  if (m.propagation) opts.push(m.propagation);
  return opts;
}

/**
 * The rootfs propagation a bind needs so its own propagation can work, after moby's check that
 * the source's host mount allows it (WithMounts): shared binds need a shared source and make the
 * rootfs `shared`; slave binds need a shared or slave source and make it `rslave`. The rslave
 * moby picks itself for a source around the data root falls back to private instead of failing.
 */
async function rootfsPropagationFor(m: MountPointRecord, current: string | undefined, dataRoot: string): Promise<string | undefined> {
  const p = m.propagation;
  if (p === 'shared' || p === 'rshared') {
    await ensureShared(m.source);
    return current === 'shared' || current === 'rshared' ? current : 'shared';
  }
  if (p !== 'slave' && p !== 'rslave') return current;
  try {
    await ensureSharedOrSlave(m.source);
  } catch (err) {
    const aroundRoot = m.source.startsWith(dataRoot) || dataRoot.startsWith(m.source);
    if (!aroundRoot || m.spec.BindOptions?.Propagation) throw err;
    return current;
  }
  return current && ['shared', 'rshared', 'slave', 'rslave'].includes(current) ? current : 'rslave';
}

/**
 * Acquires the container's volumes and builds its user mounts (binds, volumes, `--mount
 * type=tmpfs`). On failure, what was acquired is released again.
 */
export async function setupRunMounts(d: MountDeps, rec: ContainerRecord): Promise<RunMounts> {
  const out: OciMount[] = [];
  // `--mount type=tmpfs` only: the spec generator adds HostConfig.Tmpfs (`--tmpfs`) itself.
  const tmpfs: Record<string, string> = {};
  let rootfsPropagation: string | undefined;
  try {
    for (const m of rec.mountPoints ?? []) {
      if (m.type === 'tmpfs') {
        // rw as recorded: `--volumes-from X:ro` makes X's tmpfs read-only too.
        tmpfs[m.destination] = tmpfsData({ ...m.spec, ReadOnly: !m.rw });
        continue;
      }
      let source = m.source;
      if (m.type === 'volume') {
        if (!d.volumes) throw internal('volumes are not available in this daemon');
        const event = { destination: m.destination, readWrite: m.rw, propagation: m.propagation };
        source = (await d.volumes.acquire(m.name, rec.id, { event })).hostPath;
      } else await ensureBindSource(m);
      out.push({ destination: m.destination, type: 'bind', source, options: bindOptions(m) });
      if (m.type === 'bind') rootfsPropagation = await rootfsPropagationFor(m, rootfsPropagation, d.dataRoot);
    }
  } catch (err) {
    await releaseRunMounts(d, rec, false);
    throw err;
  }
  return { mounts: [...out, ...tmpfsMounts(tmpfs)], ...(rootfsPropagation ? { rootfsPropagation } : {}) };
}

/** Releases the run's volumes (the last holder's release unmounts an options volume). Idempotent. */
export async function releaseRunMounts(d: MountDeps, rec: ContainerRecord, event = true): Promise<void> {
  if (!d.volumes) return;
  for (const m of rec.mountPoints ?? []) {
    if (m.type === 'volume' && m.name) await d.volumes.release(m.name, rec.id, event ? { event: true } : {});
  }
}
