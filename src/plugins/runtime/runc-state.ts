/**
 * What runc recorded about a running container's init (`<root>/<id>/state.json`, libcontainer's
 * State): its pid, its start time (field 22 of /proc/PID/stat, runc's own guard against a reused
 * pid) and the cgroup directory of each hierarchy. A native exec (wharf-shim --native-exec) needs
 * exactly what `runc exec` reads from there. The file is runc's internal format, stable since
 * runc 1.0; anything unexpected reads as undefined and the caller runs `runc exec` instead.
 */
import { promises as fs } from 'node:fs';
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
  let state: { init_process_pid?: unknown; init_process_start?: unknown; cgroup_paths?: unknown };
  try {
    state = JSON.parse(await fs.readFile(path.join(root, id, 'state.json'), 'utf8')) as typeof state;
  } catch {
    return undefined;
  }
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
