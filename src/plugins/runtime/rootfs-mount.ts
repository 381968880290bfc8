/**
 * The container rootfs mount of a run, by mount(2)/umount2(2) through libc (koffi FFI) instead
 * of util-linux `mount`/`umount` processes.
 *
 * Why not mount.ts's mountAll/unmountAll on the run path: Node has no mount syscalls, and a
 * process started from the daemon (fork of a ~80 MB process, exec, libmount reading
 * mountinfo) cost 6–13 ms each here, twice per `docker run` — the unmount sat between the
 * container's exit and `wait?condition=removed` answering. The syscalls take 0.5–3 ms (an
 * overlay unmount syncs the upper filesystem) and run on koffi's worker thread, so the event
 * loop never waits for them.
 *
 * Only the shapes the overlay snapshotter returns for a container (an `overlay` mount with
 * data options, an `rbind`/`bind` without flags) go through the syscalls; anything else, or
 * any failure (a syscall returns -1 and koffi's async calls give no reliable errno), goes to
 * mount.ts, which does the same by `mount(8)` and reports the error in its words. When koffi
 * cannot load (another libc, a platform without its binary), every call takes that path.
 */
import path from 'node:path';
import type { MountSpec } from '../../core/snapshots/snapshotter.js';
import { mountAll, mountsUnder, unmountAll } from '../snapshots/mount.js';

/** <sys/mount.h> */
const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MNT_DETACH = 2;

type AsyncCall = (...args: unknown[]) => void;

interface Libc {
  mount: { async: AsyncCall };
  umount2: { async: AsyncCall };
}

let libc: Promise<Libc | undefined> | undefined;

/** libc's mount and umount2, loaded at the first container start (not at daemon start-up: idle RSS). */
function loadLibc(): Promise<Libc | undefined> {
  libc ??= import('koffi')
    .then(({ default: koffi }) => {
      const lib = koffi.load('libc.so.6');
      return {
        mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
        umount2: lib.func('int umount2(const char *target, int flags)'),
      } as unknown as Libc;
    })
    .catch(() => undefined);
  return libc;
}

/** Whether mount(2)/umount2(2) are reachable here (else every call goes through mount(8)). */
export async function rootfsSyscallsAvailable(): Promise<boolean> {
  return (await loadLibc()) !== undefined;
}

/** Calls an FFI function on koffi's worker thread; resolves with its int result. */
function call(fn: { async: AsyncCall }, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => fn.async(...args, (err: unknown, res: number) => (err ? reject(err) : resolve(res))));
}

/** mount(2) arguments for the shapes handled here, or undefined to leave it to mount(8). */
function syscallArgs(m: MountSpec): { fstype: string | null; flags: number; data: string | null } | undefined {
  if (m.type === 'overlay' && m.options.every((o) => o.includes('='))) return { fstype: 'overlay', flags: 0, data: m.options.join(',') };
  const flags = m.options.filter((o) => o !== 'bind' && o !== 'rbind' && o !== 'rw');
  if (m.type === 'bind' && flags.length === 0) return { fstype: null, flags: MS_BIND | (m.options.includes('rbind') ? MS_REC : 0), data: null };
  return undefined;
}

/**
 * Mounts a snapshot's `mounts` on `target` (a container's bundle rootfs), in order. Same result
 * as mount.ts's mountAll, which it falls back to (see the module comment).
 */
export async function mountRootfs(mounts: MountSpec[], target: string): Promise<void> {
  const lib = await loadLibc();
  const args = mounts.map(syscallArgs);
  if (!lib || mounts.length !== 1 || !args[0]) return mountAll(mounts, target);
  const { fstype, flags, data } = args[0];
  const mount = mounts[0] as MountSpec;
  const rc = await call(lib.mount, mount.source, path.resolve(target), fstype, flags, data).catch(() => -1);
  // A failed mount(2) leaves nothing mounted: mount(8) tries again and words the error.
  if (rc !== 0) await mountAll(mounts, target);
}

/**
 * Unmounts everything at and under `target`, deepest first, stacked mounts included (as
 * `umount -R`); not mounted is not an error. A busy mount is detached lazily (MNT_DETACH), as
 * Docker does for container root filesystems. Falls back to mount.ts's unmountAll.
 */
export async function unmountRootfs(target: string): Promise<void> {
  // One read of mountinfo: a mount stacked on another at the same point is listed once per
  // layer, so unmounting each listed entry in order removes the whole stack.
  const mounted = await mountsUnder(target);
  if (mounted.length === 0) return;
  const lib = await loadLibc();
  if (!lib) return unmountAll(target);
  for (const mp of mounted) {
    if ((await call(lib.umount2, mp, 0).catch(() => -1)) === 0) continue;
    if ((await call(lib.umount2, mp, MNT_DETACH).catch(() => -1)) !== 0) return unmountAll(target);
  }
}
