/**
 * What `docker top` and `docker stats` need: a pick of the lifecycle's ContainerService, where the
 * kernel's cgroup and proc files are (overridable for tests), and the host's memory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { EventBus } from '../../../core/events/events.js';
import type { ContainerService } from '../lifecycle/container-service.js';

export interface ObserveDeps {
  containers: Pick<ContainerService, 'get' | 'find' | 'bundleDir'>;
  events?: Pick<EventBus, 'publish'>;
  /** Bytes of host memory (the limit reported for a container without one). */
  memTotal: bigint;
  /** Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** Default /proc. */
  procRoot?: string;
  /** Time between stats samples; default 1000 ms (dockerd's collection interval). */
  statsIntervalMs?: number;
}

/**
 * The container's cgroup (`linux.cgroupsPath` of the OCI spec its start wrote into the bundle);
 * undefined when it never started.
 */
export async function cgroupsPathOf(containers: ObserveDeps['containers'], id: string): Promise<string | undefined> {
  try {
    const spec = JSON.parse(await fs.readFile(path.join(containers.bundleDir(id), 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: string } };
    return spec.linux?.cgroupsPath || undefined;
  } catch {
    return undefined;
  }
}

/** Whether the container has processes (Docker's State.Running: running or paused). */
export function hasProcesses(rec: ContainerRecord): boolean {
  return rec.state.status === 'running' || rec.state.status === 'paused';
}
