import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readXattrTree } from './xattr-tree.js';

/**
 * A comparable description of every path under `root` (root excluded): type, permission bits,
 * owner, whole-second mtime, content hash / link target / device numbers, hardlink group and
 * xattrs; overlay whiteouts (0:0 character devices) are listed as just `whiteout`. Two trees are equal, as far as layers are concerned, when their listings are equal.
 * Used by tests of layer apply/diff and by anyone who needs to compare rootfs trees.
 */
export async function listTree(root: string): Promise<Map<string, string>> {
  const abs = path.resolve(root);
  const xattrs = await readXattrTree(abs);
  const out = new Map<string, string>();
  /** Paths by inode, to name hardlink groups that have more than one member in this tree. */
  const byInode = new Map<string, string[]>();
  const walk = async (rel: string): Promise<void> => {
    const names = (await fs.readdir(rel === '' ? abs : `${abs}/${rel}`)).sort();
    for (const n of names) {
      const r = rel === '' ? n : `${rel}/${n}`;
      const p = `${abs}/${r}`;
      const st = await fs.lstat(p, { bigint: true });
      if (st.isCharacterDevice() && st.rdev === 0n) {
        // An overlay whiteout: only its type matters (overlayfs ignores its mode and owner).
        out.set(r, 'whiteout');
        continue;
      }
      const parts = [
        typeName(st),
        `mode=${(Number(st.mode) & 0o7777).toString(8)}`,
        `owner=${st.uid}:${st.gid}`,
        `mtime=${st.mtimeNs / 1_000_000_000n}`,
      ];
      if (st.isFile()) parts.push(`sha=${createHash('sha256').update(await fs.readFile(p)).digest('hex').slice(0, 16)}`);
      if (st.isSymbolicLink()) parts.push(`target=${await fs.readlink(p)}`);
      if (st.isCharacterDevice() || st.isBlockDevice()) parts.push(`rdev=${st.rdev}`);
      if (!st.isDirectory() && st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        byInode.set(key, [...(byInode.get(key) ?? []), r]);
      }
      const x = xattrs.get(r);
      if (x) for (const [k, v] of [...x].sort()) parts.push(`xattr:${k}=${v.toString('hex')}`);
      out.set(r, parts.join(' '));
      if (st.isDirectory()) await walk(r);
    }
  };
  await walk('');
  for (const group of byInode.values()) {
    if (group.length < 2) continue;
    for (const r of group) out.set(r, `${out.get(r)} linkgroup=${group[0]}`);
  }
  return out;
}

function typeName(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean }): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}
