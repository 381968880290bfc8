import type { BigIntStats } from 'node:fs';
import { promises as fs } from 'node:fs';
import { readXattrTree } from '../../../lib/tar/xattr-tree.js';
import type { ContainerChangeItem } from '../../../spec/engine/types.js';
import { hiddenInitPaths, isOpaque, lstat } from './init-paths.js';

/** Docker's change kinds (`docker diff` prints C, A, D). */
export const ChangeKind = { modify: 0, add: 1, delete: 2 } as const;

/**
 * The changes of a container's rw layer (overlay upper dir `upper`) against its image's layers
 * (`lowers`, top first), as dockerd computes them for overlay2 (pkg/archive changes.go with
 * overlayDeletedFile):
 * - the upper dir is walked depth first in byte order of names;
 * - a whiteout (0:0 character device) is a deletion; an opaque directory that a lower layer has
 *   is a deletion too (its new content then shows as additions);
 * - anything else is an addition, or a modification when a lower layer has the path — except a
 *   directory whose lower counterpart has the same size, mode and mtime, which is not reported;
 * - any change reports each directory above it as modified (once, right before the first
 *   change inside), even when the directory's own metadata did not change (changes.go's "we
 *   need to add it, even if the directory itself wasn't changed");
 * - what Docker's init layer would hold (see hiddenInitPaths) is left out.
 */
export async function containerChanges(upper: string, lowers: readonly string[]): Promise<ContainerChangeItem[]> {
  const xattrs = await readXattrTree(upper);
  const hidden = await hiddenInitPaths(upper, lowers, xattrs);
  const changes: ContainerChangeItem[] = [];
  const changedDirs = new Set<string>();
  const walk = async (rel: string): Promise<void> => {
    const names = await fs.readdir(rel === '' ? upper : `${upper}/${rel}`);
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) {
      const r = rel === '' ? n : `${rel}/${n}`;
      if (hidden.has(r)) continue;
      const st = await lstat(`${upper}/${r}`);
      if (!st) continue; // removed while we walked
      const p = `/${r}`;
      const kind = await changeKind(st, r, lowers, isOpaque(xattrs, r));
      if (kind !== undefined) {
        // Every ancestor not reported yet, outermost first (each right before its first change).
        const ancestors: string[] = [];
        for (let a = p.slice(0, p.lastIndexOf('/')); a !== '' && !changedDirs.has(a); a = a.slice(0, a.lastIndexOf('/'))) ancestors.unshift(a);
        for (const a of ancestors) {
          changes.push({ Path: a, Kind: ChangeKind.modify });
          changedDirs.add(a);
        }
        if (st.isDirectory()) changedDirs.add(p);
        changes.push({ Path: p, Kind: kind });
      }
      if (st.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return changes;
}

/** The kind of change of one upper entry; undefined for a directory that did not change. */
async function changeKind(st: BigIntStats, rel: string, lowers: readonly string[], opaque: boolean): Promise<ContainerChangeItem['Kind'] | undefined> {
  if (st.isCharacterDevice() && st.rdev === 0n) return ChangeKind.delete;
  for (const l of lowers) {
    const lst = await lstat(`${l}/${rel}`);
    if (!lst) continue;
    if (opaque && st.isDirectory()) return ChangeKind.delete;
    if (lst.isDirectory() && st.isDirectory() && lst.size === st.size && lst.mode === st.mode && sameFsTime(lst.mtimeNs, st.mtimeNs)) return undefined;
    return ChangeKind.modify;
  }
  return ChangeKind.add;
}

/** Docker's sameFsTime: equal, or the same second where one side has no sub-second part. */
function sameFsTime(a: bigint, b: bigint): boolean {
  if (a === b) return true;
  const s = 1_000_000_000n;
  return a / s === b / s && (a % s === 0n || b % s === 0n);
}
