import { type BigIntStats, promises as fs } from 'node:fs';
import { errnoCode } from '../../../errdefs/index.js';
import { parentOf, prefixesOf } from '../../../lib/tar/secure-path.js';
import type { XattrTree } from '../../../lib/tar/xattr-tree.js';
import { INIT_LAYER_ENTRIES } from './init-layer.js';

/**
 * Mount targets dockerd puts in every container's "init layer" (daemon/initlayer), a layer between
 * the image and the container's rw layer; so they never show in `docker diff` and never go into
 * `docker commit`. Containers now stack wharf's own init layer (init-layer.ts), but the builder's
 * RUN containers (as BuildKit's) and containers created before it had none: there the OCI runtime
 * created these mount targets (empty files, empty directories) in the rw layer itself.
 */
const INIT_PATHS = INIT_LAYER_ENTRIES.map((e) => e.path);

/**
 * The entries of a container's rw layer (`upper`, relative paths) that Docker's init layer would
 * hold instead: init mount targets that are still empty (an empty regular file, an empty
 * directory), and directories (`etc`, `dev`) that are in the rw layer only to hold such targets —
 * every child hidden, not opaque, and like their lower counterpart in mode and owner (or new).
 * `lowers` top first.
 */
export async function hiddenInitPaths(upper: string, lowers: readonly string[], xattrs: XattrTree): Promise<Set<string>> {
  const hidden = new Set<string>();
  const candidates = new Set<string>();
  for (const p of INIT_PATHS) for (const q of prefixesOf(p)) candidates.add(q);
  // Deepest first: a directory is judged after its children.
  const ordered = [...candidates].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : 1));
  for (const rel of ordered) {
    const st = await lstat(`${upper}/${rel}`);
    if (!st) continue;
    if (st.isFile() && st.size === 0n && INIT_PATHS.includes(rel)) hidden.add(rel);
    else if (st.isDirectory() && (await onlyHiddenChildren(upper, rel, hidden)) && !isOpaque(xattrs, rel) && (await likeLower(st, rel, lowers))) {
      hidden.add(rel);
    }
  }
  return hidden;
}

async function onlyHiddenChildren(upper: string, rel: string, hidden: Set<string>): Promise<boolean> {
  const names = await fs.readdir(`${upper}/${rel}`);
  return names.every((n) => hidden.has(`${rel}/${n}`));
}

/** True when no lower layer has `rel`, or the first that has it has a directory of the same mode and owner. */
async function likeLower(st: BigIntStats, rel: string, lowers: readonly string[]): Promise<boolean> {
  for (const l of lowers) {
    const lst = await lstat(`${l}/${rel}`);
    if (lst) return lst.isDirectory() && lst.mode === st.mode && lst.uid === st.uid && lst.gid === st.gid;
  }
  return true;
}

export function isOpaque(xattrs: XattrTree, rel: string): boolean {
  return xattrs.get(rel)?.get('trusted.overlay.opaque')?.toString() === 'y';
}

/** True when `rel` or one of its ancestors is hidden. */
export function isHidden(hidden: ReadonlySet<string>, rel: string): boolean {
  for (let p = rel; p !== ''; p = parentOf(p)) if (hidden.has(p)) return true;
  return false;
}

export async function lstat(p: string): Promise<BigIntStats | undefined> {
  try {
    return await fs.lstat(p, { bigint: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
