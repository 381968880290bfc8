import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Docker's DiffSize of a layer directory (moby pkg/directory.Size): the sum of `lstat` sizes of
 * everything that is not a directory — regular files and symlink targets — counting hardlinked
 * inodes once. Docker reports exactly this as a layer's size, so `images`, `inspect` and
 * `history` show the same numbers for the same layers.
 */
export async function diffSize(dir: string): Promise<number> {
  const seen = new Set<bigint>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true });
    const subdirs: string[] = [];
    const files: string[] = [];
    for (const e of entries) (e.isDirectory() ? subdirs : files).push(path.join(d, e.name));
    const stats = await Promise.all(files.map((f) => fs.lstat(f, { bigint: true })));
    for (const st of stats) {
      if (st.size === 0n) continue;
      if (st.nlink > 1n) {
        if (seen.has(st.ino)) continue;
        seen.add(st.ino);
      }
      total += Number(st.size);
    }
    for (const s of subdirs) await walk(s);
  };
  await walk(dir);
  return total;
}
