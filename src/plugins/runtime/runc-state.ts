/**
 * What runc recorded about a running container's init (`<root>/<id>/state.json`, libcontainer's
 * State): its pid, its start time (field 22 of /proc/PID/stat, runc's own guard against a reused
 * pid) and the cgroup directory of each hierarchy. A native exec (wharf-shim --native-exec) needs
 * exactly what `runc exec` reads from there. The file is runc's internal format, stable since
 * runc 1.0; anything unexpected reads as undefined and the caller runs `runc exec` instead.
 */
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';

/** The init of a running runc container, as runc recorded it. */
export interface RuncInitState {
  pid: number;
  /** Start time in clock ticks since boot, as a decimal string. */
  start: string;
  /** Cgroup directories, one per hierarchy (v1 controllers, named and unified ones). */
  cgroupPaths: string[];
}

/** Reads `<root>/<id>/state.json`; undefined when absent or not in the expected shape. */
export async function readRuncInitState(root: string, id: string): Promise<RuncInitState | undefined> {
  const state = await readStateJson(root, id);
  return state && initStateOf(state);
}

/** The fields of state.json read here; all unchecked. */
interface RawState {
  init_process_pid?: unknown;
  init_process_start?: unknown;
  cgroup_paths?: unknown;
  intel_rdt_path?: unknown;
  config?: { Hooks?: { poststop?: unknown } | null } | null;
}

async function readStateJson(root: string, id: string): Promise<RawState | undefined> {
  try {
    const v = JSON.parse(await fs.readFile(path.join(root, id, 'state.json'), 'utf8')) as unknown;
    return v && typeof v === 'object' ? (v as RawState) : undefined;
  } catch {
    return undefined;
  }
}

function initStateOf(state: RawState): RuncInitState | undefined {
  const pid = state.init_process_pid;
  const start = state.init_process_start;
  const cgroups = state.cgroup_paths;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (typeof start !== 'number' && typeof start !== 'string') return undefined;
  if (!/^\d+$/.test(String(start))) return undefined;
  if (!cgroups || typeof cgroups !== 'object') return undefined;
  const dirs = Object.values(cgroups as Record<string, unknown>);
  if (!dirs.every((d): d is string => typeof d === 'string' && path.isAbsolute(d))) return undefined;
  return { pid, start: String(start), cgroupPaths: [...new Set(dirs)] };
}

/**
 * Whether the process runc recorded as the init still runs: its pid exists, with the start time
 * runc recorded (field 22 of /proc/PID/stat; another start time is a reused pid), and is not a
 * zombie (an init that exited but was not reaped yet; runc's own state then says stopped).
 */
async function initLives(init: RuncInitState): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${init.pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  // The command name (field 2) may hold spaces and parentheses: count from its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] === init.start && fields[0] !== 'Z' && fields[0] !== 'X';
}

/** rmdir of a cgroup directory and the ones below it (children first); false when one stays. */
async function removeCgroupTree(dir: string): Promise<boolean> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
  for (const e of entries) if (e.isDirectory() && !(await removeCgroupTree(path.join(dir, e.name)))) return false;
  try {
    await fs.rmdir(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * `runc delete` of a container whose init is gone, without runc: for a stopped container runc's
 * delete (libcontainer's destroy) removes the cgroup directories, the state directory and runs
 * the poststop hooks; with its own pid namespace nothing is left to kill. That is a Go start-up
 * (~15 ms of CPU, and a fork of the daemon) per container exit saved. Done only when state.json
 * reads as expected, names no poststop hook and no Intel RDT group, and its init is gone (or a
 * zombie); any cgroup directory that will not go (still in use) is left for runc.
 * Returns whether the state is gone; on false the caller runs `runc delete --force`.
 */
export async function removeStoppedRuncState(root: string, id: string): Promise<boolean> {
  const state = await readStateJson(root, id);
  const init = state && initStateOf(state);
  if (!state || !init) return false;
  const poststop = state.config?.Hooks?.poststop;
  if (poststop != null && !(Array.isArray(poststop) && poststop.length === 0)) return false;
  if (state.intel_rdt_path != null && state.intel_rdt_path !== '') return false;
  if (await initLives(init)) return false;
  for (const cg of init.cgroupPaths) if (!(await removeCgroupTree(cg))) return false;
  await fs.rm(path.join(root, id), { recursive: true, force: true });
  return true;
}
