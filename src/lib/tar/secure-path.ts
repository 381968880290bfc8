import path from 'node:path';
import { invalidArgument } from '../../errdefs/index.js';

/**
 * Normalizes a tar entry name to a path relative to the layer root, as Docker does: the name is
 * cleaned (`filepath.Clean`), an absolute name is taken relative to the root (`/etc/x` →
 * `etc/x`), and a name that still climbs above the root (`../x`, `a/../../x`) is refused.
 *
 * @returns `''` for the root itself, else a clean relative path without leading or trailing `/`.
 * @throws InvalidArgument naming the entry when it escapes the root or contains a NUL byte.
 */
export function cleanEntryPath(name: string, what = 'tar entry'): string {
  if (name.includes('\0')) throw invalidArgument(`invalid ${what} ${JSON.stringify(name)}: contains a NUL byte`);
  // For an absolute name, normalize against "/" so that ".." at the root stays at the root
  // (Docker: filepath.Join(dest, filepath.Clean("/../x")) is dest/x).
  const norm = path.posix.normalize(name === '' ? '.' : name);
  if (!name.startsWith('/') && (norm === '..' || norm.startsWith('../'))) {
    throw invalidArgument(`invalid ${what} ${JSON.stringify(name)}: path escapes the layer root`);
  }
  const rel = norm.replace(/^\/+/, '').replace(/\/+$/, '');
  return rel === '.' ? '' : rel;
}

/** The parent of a clean relative path (`''` for top-level names). */
export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** The last component of a clean relative path. */
export function baseOf(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

/** `rel` and every ancestor of it, shortest first, excluding the root: `a/b/c` → a, a/b, a/b/c. */
export function prefixesOf(rel: string): string[] {
  const out: string[] = [];
  let i = rel.indexOf('/');
  while (i >= 0) {
    out.push(rel.slice(0, i));
    i = rel.indexOf('/', i + 1);
  }
  if (rel !== '') out.push(rel);
  return out;
}

/** True when `p` is `root` or lies beneath it (both clean relative paths; `''` is the layer root). */
export function isWithin(p: string, root: string): boolean {
  return root === '' || p === root || p.startsWith(`${root}/`);
}
