import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Snapshotter } from '../../core/snapshots/snapshotter.js';
import { shortId } from '../../lib/digest.js';
import { readXattrTree } from '../../lib/tar/xattr-tree.js';
import { hiddenInitPaths, isHidden } from '../../services/containers/filesystem/init-paths.js';

/**
 * Prepares a RUN step's rw layer for the commit: removes what Docker's init layer would hold
 * instead (the empty mount targets `/etc/hosts`, `/proc`… the runtime created), so the upper
 * dir is exactly the step's changes. The snapshot must be unmounted.
 */
export async function trimInitPaths(snapshots: Snapshotter, key: string): Promise<void> {
  const upper = snapshots.writableDir(key);
  const hidden = await hiddenInitPaths(upper, await snapshots.lowerDirs(key), await readXattrTree(upper));
  for (const rel of hidden) {
    const parent = path.posix.dirname(rel);
    // Only the outermost hidden entries: removing a directory removes what it holds.
    if (parent !== '.' && isHidden(hidden, parent)) continue;
    await fs.rm(path.join(upper, rel), { recursive: true, force: true });
  }
}

/** The ` ---> Running in <id>` line. */
export function runningIn(id: string): string {
  return ` ---> Running in ${shortId(id)}\n`;
}
