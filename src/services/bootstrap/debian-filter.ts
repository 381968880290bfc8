import type { BigIntStats } from 'node:fs';
import type { PackDecision } from './pack-tree.js';

/** Directories packed empty: the kernel's and the engine's mount points, and scratch space. */
const EMPTY_DIRS = new Set(['dev', 'proc', 'sys', 'tmp', 'var/tmp']);

/** Trees whose files are caches apt rebuilds (`apt-get update`, downloaded .debs); their directories stay. */
const CACHE_TREES = ['var/lib/apt/lists/', 'var/cache/apt/'];

/**
 * Files that differ from one build to the next or name the build host, as debuerreotype (the
 * builder of Docker Hub's Debian images) leaves them out: the host files debootstrap copies in
 * that the engine provides per container (it bind-mounts them); ldconfig's aux-cache (it records
 * inode numbers and ctimes); util-linux's mount table; and apt's kernel-autoremove list (it
 * names the build host's kernels).
 */
const EXCLUDED_FILES = new Set([
  'etc/resolv.conf',
  'etc/hostname',
  'etc/hosts',
  'var/cache/ldconfig/aux-cache',
  'run/mount/utab',
  'etc/apt/apt.conf.d/01autoremove-kernels',
]);

/**
 * The pack filter for a debootstrap tree, following what Docker's official Debian images leave
 * out: mount points empty, apt lists and package caches, logs of the build (`*.log`), dpkg's
 * and debconf's `*-old` backups, and host-specific files. Directories are always kept, so apt
 * and dpkg find the layout they expect.
 */
export function debianPackFilter(rel: string, st: BigIntStats): PackDecision {
  // debootstrap's own working directory; it is removed on success, so only a stray one is left out.
  if (rel === 'debootstrap') return 'exclude';
  if (st.isDirectory()) return EMPTY_DIRS.has(rel) ? 'empty' : 'include';
  if (EXCLUDED_FILES.has(rel)) return 'exclude';
  if (CACHE_TREES.some((t) => rel.startsWith(t))) return 'exclude';
  if (rel.startsWith('var/log/') && rel.endsWith('.log')) return 'exclude';
  if ((rel.startsWith('var/lib/dpkg/') || rel.startsWith('var/cache/debconf/')) && rel.endsWith('-old')) return 'exclude';
  return 'include';
}
