import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode, invalidArgument } from '../../errdefs/index.js';

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS) is 40; Go's securejoin allows 255. */
const MAX_SYMLINKS = 255;

/**
 * A tree seen as a chroot would see it: paths inside the scope ("scoped paths": absolute, clean,
 * `/` is the scope's root) map to host paths. The default maps `/x` to `<root>/x`; a container
 * view also maps its volume and bind mounts here (longest destination first).
 */
export interface ScopedTree {
  hostPath(scoped: string): string;
}

/** A tree rooted at a host directory, with nothing mounted inside it. */
export function plainTree(root: string): ScopedTree {
  const abs = path.resolve(root);
  return { hostPath: (p) => (p === '/' ? abs : abs + p) };
}

export interface ScopedPath {
  /** The resolved path inside the scope: absolute and clean, no symlink components left. */
  scoped: string;
  /** Where that is on the host. */
  host: string;
  /** Whether the resolved path exists (an lstat of its last component succeeded). */
  exists: boolean;
}

export interface SecureJoinOptions {
  /** Also resolve the last component when it is a symlink (default true, like Go's securejoin). */
  followLast?: boolean;
}

/**
 * Resolves `unsafe` inside `tree` as if the process were chrooted there (moby's
 * FollowSymlinkInScope, Go's filepath-securejoin): walking component by component with lstat and
 * readlink, an absolute symlink target restarts at the scope's root, and `..` never climbs above
 * it. Missing components are kept as written (the caller's lstat then reports ENOENT).
 *
 * The result is only as good as the tree is still: a process that swaps a component for a symlink
 * between this call and the use of the path wins the race. Callers operating on a live container
 * freeze it first (see ContainerRootfs).
 *
 * @throws InvalidArgument after more than 255 symlinks (a loop).
 */
export async function secureJoin(tree: ScopedTree, unsafe: string, opts: SecureJoinOptions = {}): Promise<ScopedPath> {
  const followLast = opts.followLast ?? true;
  const pending = unsafe.split('/');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      resolved.pop();
      continue;
    }
    const candidate = `/${[...resolved, c].join('/')}`;
    // Every component is looked at, even past a missing one: `/nosuch/../etc` is `/etc`.
    const st = await lstatOrMissing(tree.hostPath(candidate));
    if (st === undefined) {
      resolved.push(c);
      continue;
    }
    const isLast = !pending.some((p) => p !== '' && p !== '.');
    if (st.isSymbolicLink() && (!isLast || followLast)) {
      if (++links > MAX_SYMLINKS) throw invalidArgument(`too many links in ${JSON.stringify(unsafe)}`);
      const target = await fs.readlink(tree.hostPath(candidate));
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/'));
      continue;
    }
    resolved.push(c);
  }
  const scoped = `/${resolved.join('/')}`;
  const host = tree.hostPath(scoped);
  return { scoped, host, exists: (await lstatOrMissing(host)) !== undefined };
}

/** lstat, or undefined when the path (or a parent, ENOTDIR) does not exist. */
async function lstatOrMissing(p: string) {
  try {
    return await fs.lstat(p);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Go's filepath.Clean for a slash path made absolute (`..` at the root stays at the root). */
export function cleanScoped(p: string): string {
  return path.posix.normalize(`/${p}`).replace(/(.)\/+$/, '$1');
}
