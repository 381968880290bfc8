import path from 'node:path';
import type { OciMount } from '../../../core/runtime/oci-spec-types.js';
import { invalidArgument } from '../../../errdefs/index.js';

/** Docker's default /dev/shm size when `--shm-size` is not given: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** The mounts every container gets (moby oci.DefaultLinuxSpec), /dev/shm aside. */
export function defaultMounts(privileged: boolean): OciMount[] {
  const sysOpts = privileged ? ['nosuid', 'noexec', 'nodev'] : ['nosuid', 'noexec', 'nodev', 'ro'];
  const cgroupOpts = privileged ? ['nosuid', 'noexec', 'nodev'] : ['ro', 'nosuid', 'noexec', 'nodev'];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOpts },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: cgroupOpts },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  ];
}

/** A private /dev/shm: its own tmpfs of `size` bytes (ipc mode `private`, Docker's default). */
export function privateShmMount(size: number): OciMount {
  return { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${size}`] };
}

/** A recursive private bind of a host path (Docker's form for etc files, shared shm, host shm). */
export function bindMount(source: string, destination: string, readonly = false): OciMount {
  return { destination, type: 'bind', source, options: readonly ? ['rbind', 'ro', 'rprivate'] : ['rbind', 'rprivate'] };
}

/** Mount flags (with their "clear" twins) that MergeTmpfsOptions deduplicates by flag. */
const FLAG_KEYS: Record<string, string> = {
  ro: 'rdonly',
  rw: 'rdonly',
  suid: 'nosuid',
  nosuid: 'nosuid',
  dev: 'nodev',
  nodev: 'nodev',
  exec: 'noexec',
  noexec: 'noexec',
  sync: 'sync',
  async: 'sync',
  dirsync: 'dirsync',
  remount: 'remount',
  mand: 'mand',
  nomand: 'mand',
  atime: 'noatime',
  noatime: 'noatime',
  diratime: 'nodiratime',
  nodiratime: 'nodiratime',
  bind: 'bind',
  rbind: 'rbind',
  relatime: 'relatime',
  norelatime: 'relatime',
  strictatime: 'strictatime',
  nostrictatime: 'strictatime',
};
const PROPAGATION = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']);
const TMPFS_DATA = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/**
 * moby's MergeTmpfsOptions: walks the options from the last, keeping the last of each flag pair
 * (`exec` beats the default `noexec`), of the propagation modes and of each data key.
 */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seenFlags = new Set<string>();
  const seenData = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const o = options[i]!;
    if (o === 'defaults') continue;
    const flag = PROPAGATION.has(o) ? 'propagation' : FLAG_KEYS[o];
    if (flag) {
      if (!seenFlags.has(flag)) out.unshift(o);
      seenFlags.add(flag);
      continue;
    }
    const eq = o.indexOf('=');
    if (eq < 0 || !TMPFS_DATA.has(o.slice(0, eq))) {
      const parts = eq < 0 ? [o] : [o.slice(0, eq), o.slice(eq + 1)];
      throw invalidArgument(`Invalid tmpfs option [${parts.map((p) => JSON.stringify(p)).join(' ')}]`);
    }
    if (!seenData.has(o.slice(0, eq))) out.unshift(o);
    seenData.add(o.slice(0, eq));
  }
  return out;
}

/** `--tmpfs /dst[:opts]` (HostConfig.Tmpfs) as OCI mounts, with Docker's default options. */
export function tmpfsMounts(tmpfs: Record<string, string> | undefined): OciMount[] {
  // Sorted: Docker iterates a Go map here (random order); a fixed order keeps configs stable.
  const entries = Object.entries(tmpfs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([destination, data]) => {
    if (!path.isAbsolute(destination)) throw invalidArgument(`invalid mount path: '${destination}' mount path must be absolute`);
    const options = ['noexec', 'nosuid', 'nodev', 'rprivate', ...(data ? data.split(',') : [])];
    return { destination, type: 'tmpfs', source: 'tmpfs', options: mergeTmpfsOptions(options) };
  });
}

const depth = (m: OciMount) => path.posix.normalize(m.destination).split('/').length;

/**
 * Orders the non-default mounts so that parents are mounted before their children: by number of
 * path components, stable (moby sorts the same key; a stable sort keeps Docker's order within a
 * depth), e.g. `/data` before `/data/x` whatever order the user gave them in.
 */
export function sortMounts(mounts: readonly OciMount[]): OciMount[] {
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}

/**
 * Drops default mounts that a user mount replaces (moby WithMounts): one on the same
 * destination, and every default under /dev when the user mounts /dev itself.
 */
export function withoutOverridden(defaults: readonly OciMount[], user: readonly OciMount[]): OciMount[] {
  const dests = new Set(user.map((u) => path.posix.normalize(u.destination)));
  return defaults.filter((d) => !dests.has(d.destination) && !(dests.has('/dev') && d.destination.startsWith('/dev/')));
}
