import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../../lib/exec-file.js';

/** Where cgroup hierarchies are mounted. */
export const CGROUP_ROOT = '/sys/fs/cgroup';

/** Which cgroup layout the host has. */
export type CgroupMode = 'v1' | 'hybrid' | 'v2';

/** Detects the cgroup layout: v2 when the root is cgroup2, hybrid when v2 sits at `unified`. */
export async function cgroupMode(root = CGROUP_ROOT): Promise<CgroupMode> {
  const exists = (p: string) =>
    fs.access(p).then(
      () => true,
      () => false,
    );
  if (await exists(path.join(root, 'cgroup.controllers'))) return 'v2';
  if (await exists(path.join(root, 'unified/cgroup.controllers'))) return 'hybrid';
  return 'v1';
}

/** The v1 hierarchy directories (cpu, memory, pids, …, and named ones like systemd). */
export async function cgroupV1Hierarchies(root = CGROUP_ROOT): Promise<string[]> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  return names.filter((n) => n !== 'unified' && !n.includes('.'));
}

/**
 * Absolute path of a cgroup v1 file for a container whose OCI `cgroupsPath` is `cgroupsPath`
 * (absolute paths are relative to the hierarchy root, as runc and crun treat them).
 */
export function cgroupV1File(controller: string, cgroupsPath: string, file: string, root = CGROUP_ROOT): string {
  return path.join(root, controller, cgroupsPath, file);
}

/**
 * Removes a container's cgroup directories and their now-empty parents up to (not including)
 * `stopAt`, in every v1 hierarchy (and `unified` on hybrid hosts). runc and crun remove only the leaf named by cgroupsPath
 * (and runc not always); the parents are the daemon's to remove. rmdir, not recursive rm:
 * cgroupfs only supports rmdir, and it refuses a cgroup that still has tasks or children,
 * which is exactly the safety wanted here.
 */
export async function removeCgroupPath(cgroupsPath: string, stopAt = '/', root = CGROUP_ROOT): Promise<void> {
  // On a hybrid host runc also makes the path under the cgroup2 `unified` mount.
  const hierarchies = [...(await cgroupV1Hierarchies(root)), 'unified'];
  // The hierarchies are independent trees: all at once (a dozen rmdirs in a row sat on the exit
  // path of every container). Within one, children before parents.
  await Promise.all(
    hierarchies.map(async (h) => {
      for (let p = path.posix.normalize(cgroupsPath); p !== stopAt && p !== '/' && p !== '.'; p = path.posix.dirname(p)) {
        try {
          await fs.rmdir(path.join(root, h, p));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          // EBUSY/ENOTEMPTY: tasks or sibling containers still use it; keep it and its parents.
          break;
        }
      }
    }),
  );
}

/**
 * crun refuses to run on a hybrid host whose cgroup2 root still offers controllers
 * ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"); here `hugetlb`
 * is left on cgroup2 because no v1 hierarchy binds it. Mounting a v1 hierarchy for each such
 * controller moves it off cgroup2, which is what systemd's hybrid setup normally does.
 * Idempotent; returns the controllers it mounted. Does nothing on pure v1 or v2 hosts.
 */
export async function bindFreeControllersToV1(root = CGROUP_ROOT): Promise<string[]> {
  if ((await cgroupMode(root)) !== 'hybrid') return [];
  const text = await fs.readFile(path.join(root, 'unified/cgroup.controllers'), 'utf8');
  const free = text.split(/\s+/).filter(Boolean);
  for (const c of free) {
    const dir = path.join(root, c);
    await fs.mkdir(dir, { recursive: true });
    // A controller can be bound to only one hierarchy; it is free here, so this cannot steal
    // it from a v1 mount, and cgroup2's subtree_control does not use it (else mount fails).
    await runCommand('mount', ['-t', 'cgroup', '-o', c, 'cgroup', dir]);
  }
  return free;
}

/**
 * How many processes the kernel's OOM killer killed in a container's memory cgroup (cgroup v1
 * `memory.oom_control` `oom_kill`, kernel ≥ 4.13), and the limit-hit counter `memory.failcnt`.
 * Read it after the init exited and before the runtime's delete removes the cgroup: a non-zero
 * `oomKills` is Docker's `OOMKilled: true`. Undefined when the cgroup is gone.
 */
export async function readOomCounters(
  cgroupsPath: string,
  root = CGROUP_ROOT,
): Promise<{ oomKills: number; failcnt: number } | undefined> {
  try {
    // Read synchronously: two kernel-generated files of a few bytes take microseconds, where each
    // async read is four thread-pool round trips (~1 ms each here while an exit's other work
    // queues there too), on the path between a container's exit and `docker wait` answering.
    const ctl = readFileSync(cgroupV1File('memory', cgroupsPath, 'memory.oom_control', root), 'utf8');
    const failcnt = readFileSync(cgroupV1File('memory', cgroupsPath, 'memory.failcnt', root), 'utf8');
    return { oomKills: Number(/^oom_kill (\d+)/m.exec(ctl)?.[1] ?? 0), failcnt: Number(failcnt.trim()) };
  } catch {
    return undefined;
  }
}
