/**
 * The mount points of a container being created, end to end: registration (volumes created and
 * referenced), the image's VOLUMEs as anonymous volumes, and copy-up of the image's content into
 * empty volumes — moby's setHostConfig + createContainerOSSpecificSettings. Leaves nothing behind
 * when it fails.
 */
import { promises as fs } from 'node:fs';
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { MountPointRecord } from '../../../core/containers/mount-point.js';
import type { MountSpec } from '../../../core/snapshots/snapshotter.js';
import type { ContainerConfig, HostConfig } from '../../../spec/engine/types.js';
import { mountAll, unmountAll } from '../../../plugins/snapshots/mount.js';
import { imageFileAt, needsCopyUp, populateVolumes } from './copy-up.js';
import { type MountDeps, MountRegistration } from './register-mounts.js';

export interface CreateMountsInput {
  id: string;
  /** The container's Config (image-merged): its Volumes become anonymous volumes. */
  config: ContainerConfig;
  hostConfig: HostConfig;
  findContainer(idOrName: string): ContainerRecord | undefined;
  /** Where the container's rootfs may be mounted for the image checks and copy-up (an empty dir). */
  rootfsDir: string;
  /** The mounts of the container's (just prepared) rootfs snapshot. */
  rootfsMounts(): Promise<MountSpec[]>;
}

/**
 * Resolves the container's mount points. The rootfs is mounted (and unmounted again) only when
 * the image has VOLUMEs or a volume wants copy-up. On failure the volumes it referenced are
 * released and the anonymous ones it created removed, then the error is thrown.
 */
export async function createMountPoints(d: MountDeps, input: CreateMountsInput): Promise<MountPointRecord[]> {
  const reg = new MountRegistration(d, input);
  try {
    await reg.register();
    const imageVolumes = Object.keys(input.config.Volumes ?? {}).length > 0;
    if (imageVolumes || needsCopyUp(reg.list())) {
      await withRootfs(input, async (rootfs) => {
        await reg.imageVolumes((dst) => imageFileAt(rootfs, dst));
        if (d.volumes) await populateVolumes(d.volumes, input.id, rootfs, reg.list());
      });
    }
    return reg.list();
  } catch (err) {
    await reg.undo().catch(() => undefined);
    throw err;
  }
}

/**
 * Mounts the container's rootfs on `rootfsDir` for `fn` (moby daemon.Mount at create). Mounted in
 * the daemon's (host) mount namespace for this step only and unmounted even when `fn` fails; a
 * crash in between leaves a mount that the container's next start (or removal) unmounts.
 */
async function withRootfs(input: CreateMountsInput, fn: (rootfs: string) => Promise<void>): Promise<void> {
  await fs.mkdir(input.rootfsDir, { recursive: true, mode: 0o700 });
  await mountAll(await input.rootfsMounts(), input.rootfsDir);
  try {
    await fn(input.rootfsDir);
  } finally {
    await unmountAll(input.rootfsDir);
  }
}
