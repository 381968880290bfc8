import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Bytes of the files under `dir`, as Docker's overlay2 driver reports a container's SizeRw
 * (moby pkg/directory.Size): every non-directory's st_size, hard links counted once,
 * directories themselves not counted. 0 when `dir` is missing.
 */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (p: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(p, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(p, e.name);
      if (e.isDirectory()) {
        await walk(full);
        continue;
      }
      const st = await fs.lstat(full, { bigint: true }).catch(() => undefined);
      if (!st) continue;
      if (st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += Number(st.size);
    }
  };
  await walk(dir);
  return total;
}
