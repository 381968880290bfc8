import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OciMount } from '../../core/runtime/oci-spec-types.js';
import { runCommand } from '../../lib/exec-file.js';

/** The anonymous volumes of one RUN step: the mounts to give the container, and their removal. */
export interface RunVolumes {
  mounts: OciMount[];
  /** Removes the volumes' host directories (what the RUN wrote there is discarded). */
  dispose(): Promise<void>;
}

/** Resolves `rel` inside `root` without following a symlink out of it; undefined when it leaves or is missing. */
async function insideRoot(root: string, rel: string): Promise<string | undefined> {
  const real = await fs.realpath(path.join(root, rel)).catch(() => undefined);
  if (real === undefined) return undefined;
  const realRoot = await fs.realpath(root);
  return real === realRoot || real.startsWith(`${realRoot}/`) ? real : undefined;
}

/**
 * The image's VOLUME paths as dockerd 20.10's classic builder mounts them in a RUN container
 * (verified against the real daemon): each is a fresh anonymous volume, filled from the image's
 * content at that path (Docker's copy-up), mounted over it — so whatever the RUN writes, changes
 * or removes there is discarded with the volume and never reaches the layer. Only the mount
 * target the runtime creates when the path did not exist stays in the layer (dockerd's layer
 * has it too). The directories live under the builder's scratch dir, which the start-up sweep
 * empties after a crash.
 */
export async function prepareRunVolumes(rootfs: string, volumes: Record<string, unknown> | null | undefined, scratchDir: string): Promise<RunVolumes> {
  const dirs: string[] = [];
  const dispose = async () => {
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  };
  const mounts: OciMount[] = [];
  try {
    for (const dest of Object.keys(volumes ?? {}).sort()) {
      const dir = path.join(scratchDir, `vol-${randomBytes(8).toString('hex')}`);
      dirs.push(dir);
      const src = await insideRoot(rootfs, dest);
      const st = src === undefined ? undefined : await fs.stat(src);
      if (src !== undefined && st?.isDirectory()) {
        // cp -a keeps owners, modes, xattrs and links, as Docker's copy-up does; the host
        // coreutils copy is used because node's fs.cp drops ownership.
        await runCommand('cp', ['-a', '--', src, dir]);
      } else {
        await fs.mkdir(dir, { mode: 0o755 });
      }
      mounts.push({ destination: path.posix.normalize(`/${dest}`), type: 'bind', source: dir, options: ['rbind', 'rprivate'] });
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return { mounts, dispose };
}
