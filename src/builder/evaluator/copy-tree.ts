import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import type { Identity } from './chown.js';

interface Entry {
  rel: string;
  st: Stats;
}

/** Every entry under `root` (not following symlinks), parents before children. */
async function collect(root: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const visit = async (rel: string) => {
    const names = await fs.readdir(rel ? path.join(root, rel) : root);
    const stats = await Promise.all(names.map((n) => fs.lstat(path.join(root, rel, n))));
    for (const [i, n] of names.entries()) {
      const child = rel ? `${rel}/${n}` : n;
      out.push({ rel: child, st: stats[i]! });
      if (stats[i]!.isDirectory()) await visit(child);
    }
  };
  await visit('');
  return out;
}

/** Whole seconds, as a tar header carries them (and dockerd's CopyWithTar writes them). */
const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Copies the contents of directory `src` into `dest`, a directory this step has just created
 * (so nothing under it exists and no symlink of the image can be met): the same result as
 * dockerd's CopyWithTar — modes, owners (`owner`, else the source's), symlinks, hardlinks within
 * the tree, mtimes in whole seconds — without a tar stream in between. Returns false, having
 * written nothing, when the tree holds something only the tar path copies (devices, fifos,
 * sockets).
 */
export async function copyTreeFresh(src: string, dest: string, owner: Identity | undefined): Promise<boolean> {
  const entries = await collect(src);
  if (entries.some((e) => !e.st.isDirectory() && !e.st.isFile() && !e.st.isSymbolicLink())) return false;
  const links = new Map<string, string>();
  const own = (st: Stats) => owner ?? { uid: st.uid, gid: st.gid };
  // Directories first (parents before children), so files can be written in parallel.
  for (const e of entries) {
    if (e.st.isDirectory()) await fs.mkdir(path.join(dest, e.rel), { mode: 0o700 });
  }
  await Promise.all(
    entries.map(async (e) => {
      const to = path.join(dest, e.rel);
      const o = own(e.st);
      if (e.st.isSymbolicLink()) {
        await fs.symlink(await fs.readlink(path.join(src, e.rel)), to);
        await fs.lchown(to, o.uid, o.gid);
        await fs.lutimes(to, seconds(e.st.mtimeMs), seconds(e.st.mtimeMs));
      } else if (e.st.isFile()) {
        const key = `${e.st.dev}:${e.st.ino}`;
        const first = e.st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) return;
        if (e.st.nlink > 1) links.set(key, to);
        // COPYFILE_EXCL: a new inode, never a write through anything already there.
        await fs.copyFile(path.join(src, e.rel), to, constants.COPYFILE_EXCL);
        await fs.chown(to, o.uid, o.gid);
        // After chown, which clears setuid/setgid.
        await fs.chmod(to, e.st.mode & 0o7777);
        await fs.utimes(to, seconds(e.st.mtimeMs), seconds(e.st.mtimeMs));
      }
    }),
  );
  // Hardlinks within the tree stay hardlinks (the tar path writes them as link entries).
  for (const e of entries) {
    if (!e.st.isFile() || e.st.nlink < 2) continue;
    const first = links.get(`${e.st.dev}:${e.st.ino}`)!;
    const to = path.join(dest, e.rel);
    if (first !== to) await fs.link(first, to);
  }
  // Directory metadata last, deepest first: creating entries changes a directory's mtime.
  for (const e of [...entries].reverse()) {
    if (!e.st.isDirectory()) continue;
    const to = path.join(dest, e.rel);
    const o = own(e.st);
    await fs.chown(to, o.uid, o.gid);
    await fs.chmod(to, e.st.mode & 0o7777);
    await fs.utimes(to, seconds(e.st.mtimeMs), seconds(e.st.mtimeMs));
  }
  return true;
}
