import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../../../errdefs/index.js';

/**
 * What dockerd's init layer (daemon/initlayer) holds: the mount targets of every container
 * (/proc, /sys, /dev/pts, /dev/shm, /dev/console and the /etc files the daemon binds), the
 * `/.dockerenv` marker that software checks to know it runs in Docker, and /etc/mtab as a link to
 * /proc/mounts. Directories and files 0755, owned by root, files empty.
 */
export const INIT_LAYER_ENTRIES: ReadonlyArray<{ path: string; type: 'dir' | 'file' | 'symlink'; target?: string }> = [
  { path: 'dev/pts', type: 'dir' },
  { path: 'dev/shm', type: 'dir' },
  { path: 'proc', type: 'dir' },
  { path: 'sys', type: 'dir' },
  { path: '.dockerenv', type: 'file' },
  { path: 'etc/resolv.conf', type: 'file' },
  { path: 'etc/hosts', type: 'file' },
  { path: 'etc/hostname', type: 'file' },
  { path: 'dev/console', type: 'file' },
  { path: 'etc/mtab', type: 'symlink', target: '/proc/mounts' },
];

/**
 * Bumped whenever INIT_LAYER_ENTRIES changes: the layer is a lower directory of running
 * containers' overlays, which must never change under them, so new content gets a new directory.
 */
const VERSION = 1;
const TMP_PREFIX = '.tmp-init-layer-';

/**
 * Makes (once) and returns the daemon's init layer under `parent`: a read-only directory stacked
 * right above the image in every container's overlay, as dockerd stacks its per-container
 * `<id>-init` layer. Its content is the same for every container, so one directory serves all of
 * them (no per-container layer to create at `create`). Without it the runtime would create these
 * mount targets in each container's rw layer at every start, copying up /etc in the overlay.
 *
 * Built under a temp name and renamed into place, so the directory is complete whenever it
 * exists; an existing one is used as it is (it may be in use by running containers).
 */
export async function ensureInitLayer(parent: string): Promise<string> {
  const dir = path.join(parent, `init-layer-v${VERSION}`);
  if (await fs.stat(dir).then(
    (st) => st.isDirectory(),
    () => false,
  )) {
    return dir;
  }
  await fs.mkdir(parent, { recursive: true });
  // What a crash in the middle of an earlier build left.
  for (const name of await fs.readdir(parent)) if (name.startsWith(TMP_PREFIX)) await fs.rm(path.join(parent, name), { recursive: true, force: true });
  const tmp = path.join(parent, `${TMP_PREFIX}${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(tmp, { mode: 0o755 });
    await fs.chmod(tmp, 0o755);
    for (const e of INIT_LAYER_ENTRIES) {
      const p = path.join(tmp, e.path);
      await mkdirs(tmp, path.dirname(e.path));
      if (e.type === 'dir') await mkdirs(tmp, e.path);
      else if (e.type === 'symlink') await fs.symlink(e.target ?? '', p);
      else {
        await fs.writeFile(p, '', { mode: 0o755 });
        await fs.chmod(p, 0o755);
      }
    }
    await fs.rename(tmp, dir);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    // Another daemon start made it first (ENOTEMPTY/EEXIST on the rename): use theirs.
    const code = errnoCode(err);
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  return dir;
}

/** `mkdir -p` of `rel` under `root` with 0755 directories whatever the umask. */
async function mkdirs(root: string, rel: string): Promise<void> {
  let p = root;
  for (const part of rel === '.' ? [] : rel.split('/')) {
    p = path.join(p, part);
    try {
      await fs.mkdir(p);
      await fs.chmod(p, 0o755);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
}
