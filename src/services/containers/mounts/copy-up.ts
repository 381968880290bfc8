/**
 * Copy-up: a new container's empty volumes get the image's content at their mount path (moby
 * populateVolumes / CopyImagePathContent, run at create — not at start — so what the image had
 * there is in the volume even for a container that is never started, and a volume filled by a
 * first container is never overwritten by a second).
 */
import { promises as fs } from 'node:fs';
import type { MountPointRecord } from '../../../core/containers/mount-point.js';
import { errnoCode, internal } from '../../../errdefs/index.js';
import { runCommand } from '../../../lib/exec-file.js';
import { plainTree, secureJoin } from '../../../lib/tar/secure-join.js';
import type { ContainerVolumes } from './register-mounts.js';

/**
 * The host path of a non-directory the image has at `destination` (moby refuses to mount an
 * image VOLUME over a file), else undefined. Resolved inside `rootfs`: a symlink in the image
 * cannot point the daemon at a host path.
 */
export async function imageFileAt(rootfs: string, destination: string): Promise<string | undefined> {
  const p = await secureJoin(plainTree(rootfs), destination);
  if (!p.exists) return undefined;
  const st = await fs.stat(p.host);
  return st.isDirectory() ? undefined : p.host;
}

/** Whether any mount point wants copy-up (then the rootfs is mounted at create for it). */
export function needsCopyUp(points: readonly MountPointRecord[]): boolean {
  return points.some((m) => m.type === 'volume' && m.copyData && m.name);
}

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await fs.readdir(dir)).length === 0;
}

/**
 * Copies the image's content at each copy-up volume's destination into the volume when the
 * volume is empty. `rootfs` is the container's mounted root filesystem. The volume is acquired
 * for the copy (a volume with mount options is mounted by its driver) and released after.
 */
export async function populateVolumes(volumes: ContainerVolumes, id: string, rootfs: string, points: readonly MountPointRecord[]): Promise<void> {
  for (const m of points) {
    if (m.type !== 'volume' || !m.copyData || !m.name) continue;
    // Resolved inside the rootfs: an image symlink `/data -> /etc` copies the image's /etc, never the host's.
    const src = await secureJoin(plainTree(rootfs), m.destination);
    if (!src.exists || !(await fs.stat(src.host)).isDirectory()) continue;
    const { hostPath } = await volumes.acquire(m.name, id);
    try {
      if (!(await isEmptyDir(hostPath))) continue;
      await copyTree(src.host, hostPath);
    } finally {
      await volumes.release(m.name, id);
    }
  }
}

/**
 * GNU cp's archive mode does what moby's CopyWithTar + copyOwnership do: contents with owners,
 * modes, timestamps, xattrs and symlinks as they are (never followed), hard links kept, and the
 * directory's own owner and mode onto the volume's root. `--no-target-directory` copies into the
 * existing (empty) volume directory rather than below it.
 */
async function copyTree(src: string, dst: string): Promise<void> {
  try {
    await runCommand('cp', ['-a', '--no-target-directory', '--', src, dst]);
  } catch (err) {
    throw internal(`copying the image's content into the volume failed: ${errnoCode(err) ?? (err as Error).message}`, { cause: err });
  }
}
