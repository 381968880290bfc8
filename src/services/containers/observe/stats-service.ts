import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { nowRFC3339Nano } from '../../images/go-shapes.js';
import { readCgroupV1, readNetworks, readSystemCpu } from './cgroup-stats.js';
import { cgroupsPathOf, hasProcesses, type ObserveDeps } from './observe-deps.js';
import { type BlkioStats, type ContainerStatsResponse, type CPUStats, statsJSON } from './stats-types.js';

/** Go's zero time, which dockerd sends as `read`/`preread` when there is no sample. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface StatsRequest {
  /** Keep sending a sample every interval (`stream=1`, the default). */
  stream: boolean;
  /** With `stream=0`: one sample at once, without the second one that fills `precpu_stats`. */
  oneShot: boolean;
}

/** A validated stats request: `run` writes JSON lines until done, the client leaves or the container is removed. */
export interface PreparedStats {
  stream: boolean;
  run(write: (line: string) => void, signal: AbortSignal): Promise<void>;
}

/**
 * `GET /containers/{id}/stats` as dockerd serves it (daemon/stats.go): each document carries the
 * previous one's CPU figures as `precpu_stats` (the CLI's CPU % is their difference);
 * `stream=0` samples twice an interval apart so they are real, unless `one-shot`; a container that
 * is not running gives documents with only its name and id.
 */
export class StatsService {
  constructor(private readonly d: ObserveDeps) {}

  /** Resolves the container first, so an unknown one fails before any header is sent. */
  prepare(idOrName: string, req: StatsRequest): PreparedStats {
    const { id } = this.d.containers.get(idOrName);
    return { stream: req.stream, run: (write, signal) => this.run(id, req, write, signal) };
  }

  private async run(id: string, req: StatsRequest, write: (line: string) => void, signal: AbortSignal): Promise<void> {
    const interval = this.d.statsIntervalMs ?? 1000;
    let pre = { cpu: zeroCpu(), read: ZERO_TIME };
    const frame = async (rec: ContainerRecord): Promise<ContainerStatsResponse> => {
      const s = await this.sample(rec);
      s.precpu_stats = pre.cpu;
      s.preread = pre.read;
      pre = { cpu: s.cpu_stats, read: s.read };
      return s;
    };
    if (!req.stream) {
      const rec = this.d.containers.get(id);
      if (!hasProcesses(rec)) return write(statsJSON(emptyStats(rec)));
      let s = await frame(rec);
      if (!req.oneShot && !(await pause(interval, signal))) s = await frame(this.d.containers.get(id));
      return write(statsJSON(s));
    }
    for (;;) {
      const rec = this.d.containers.find(id);
      // A removed container ends the stream, as dockerd's collector closes it.
      if (!rec || signal.aborted) return;
      write(statsJSON(await frame(rec)));
      if (await pause(interval, signal)) return;
    }
  }

  /** One sample of a container's cgroup; the empty document when it has no processes (or they just ended). */
  private async sample(rec: ContainerRecord): Promise<ContainerStatsResponse> {
    const cgroupsPath = hasProcesses(rec) ? await cgroupsPathOf(this.d.containers, rec.id) : undefined;
    if (!cgroupsPath) return emptyStats(rec);
    const read = nowRFC3339Nano();
    const [cg, sys] = await Promise.all([
      readCgroupV1(cgroupsPath, { root: this.d.cgroupRoot, memTotal: this.d.memTotal }),
      readSystemCpu(this.d.procRoot),
    ]);
    const s = emptyStats(rec);
    s.read = read;
    s.pids_stats = cg.pids;
    s.blkio_stats = cg.blkio;
    s.cpu_stats = { cpu_usage: cg.cpu.cpu_usage, system_cpu_usage: sys.systemUsage, online_cpus: sys.onlineCpus, throttling_data: cg.cpu.throttling_data };
    s.memory_stats = cg.memory;
    // Only the container's own interfaces: a host-network container has none of its own (as in
    // dockerd), and until the networking issue lands the others have only `lo`, which is not counted.
    if (rec.hostConfig.NetworkMode !== 'host' && rec.state.pid > 0) {
      const nets = await readNetworks(rec.state.pid, this.d.procRoot);
      if (Object.keys(nets).length > 0) s.networks = nets;
    }
    return s;
  }
}

/** Waits `ms`; true when the client went away first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return true;
  try {
    await sleep(ms, undefined, { signal });
    return false;
  } catch {
    return true;
  }
}

function zeroCpu(): CPUStats {
  return { cpu_usage: { total_usage: 0n, usage_in_kernelmode: 0n, usage_in_usermode: 0n }, throttling_data: { periods: 0n, throttled_periods: 0n, throttled_time: 0n } };
}

function nullBlkio(): BlkioStats {
  return {
    io_service_bytes_recursive: null,
    io_serviced_recursive: null,
    io_queue_recursive: null,
    io_service_time_recursive: null,
    io_wait_time_recursive: null,
    io_merged_recursive: null,
    io_time_recursive: null,
    sectors_recursive: null,
  };
}

/** dockerd's `types.StatsJSON{Name, ID}`: every other field at its zero value, in Go's field order. */
function emptyStats(rec: ContainerRecord): ContainerStatsResponse {
  return {
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: nullBlkio(),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: zeroCpu(),
    precpu_stats: zeroCpu(),
    memory_stats: {},
    name: `/${rec.name}`,
    id: rec.id,
  };
}
