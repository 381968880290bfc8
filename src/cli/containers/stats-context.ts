/**
 * docker's stats formatter and calculations (cli/command/container/formatter_stats.go and
 * stats_helpers.go): CPU % from two samples, memory without the inactive page cache, network
 * and block I/O sums, PIDs.
 */
import { GO_TYPE } from '../../lib/gotemplate/index.js';
import { FormatContext, truncateID } from '../format/formatter.js';
import { bytesSize, humanSizeWithPrecision } from '../format/units.js';

/** The subset of `GET /containers/{id}/stats` the CLI reads (the swagger leaves it untyped). */
export interface StatsSample {
  name?: string;
  id?: string;
  pids_stats?: { current?: number };
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** One row: docker's StatsEntry. */
export interface StatsEntry {
  container: string;
  name: string;
  id: string;
  cpuPercentage: number;
  memory: number;
  memoryLimit: number;
  memoryPercentage: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
  isInvalid: boolean;
}

export const DEFAULT_STATS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

export const STATS_HEADER: Record<string, string> = {
  Container: 'CONTAINER',
  Name: 'NAME',
  ID: 'CONTAINER ID',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

/** An entry with nothing collected yet (or reset after a timeout). */
export function emptyEntry(container: string, invalid = false): StatsEntry {
  return { container, name: '', id: '', cpuPercentage: 0, memory: 0, memoryLimit: 0, memoryPercentage: 0, networkRx: 0, networkTx: 0, blockRead: 0, blockWrite: 0, pids: 0, isInvalid: invalid };
}

function cpuPercent(prev: CpuStats | undefined, cur: CpuStats | undefined): number {
  const cpuDelta = (cur?.cpu_usage?.total_usage ?? 0) - (prev?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cur?.system_cpu_usage ?? 0) - (prev?.system_cpu_usage ?? 0);
  const online = cur?.online_cpus || (cur?.cpu_usage?.percpu_usage?.length ?? 0);
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** calculateMemUsageUnixNoCache: usage minus inactive file pages (cgroup v1, then v2). */
function memUsageNoCache(mem: StatsSample['memory_stats']): number {
  const usage = mem?.usage ?? 0;
  const v1 = mem?.stats?.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = mem?.stats?.inactive_file ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

/** A sample as a row (the Linux path of docker's collect). */
export function entryFromSample(container: string, s: StatsSample): StatsEntry {
  const memory = memUsageNoCache(s.memory_stats);
  const limit = s.memory_stats?.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const b of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = b.op[0];
    if (op === 'r' || op === 'R') read += b.value;
    else if (op === 'w' || op === 'W') write += b.value;
  }
  return {
    container,
    name: s.name ?? '',
    id: s.id ?? '',
    cpuPercentage: cpuPercent(s.precpu_stats, s.cpu_stats),
    memory,
    memoryLimit: limit,
    memoryPercentage: limit !== 0 ? (memory / limit) * 100 : 0,
    networkRx: rx,
    networkTx: tx,
    blockRead: read,
    blockWrite: write,
    pids: s.pids_stats?.current ?? 0,
    isInvalid: false,
  };
}

const percentage = (v: number) => `${v.toFixed(2)}%`;

const FIELDS = ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs'];

/** One row of `stats`. */
export class StatsContext extends FormatContext {
  readonly [GO_TYPE] = '*container.statsContext';

  constructor(
    private readonly s: StatsEntry,
    private readonly trunc: boolean,
  ) {
    super();
  }

  protected fields() {
    return FIELDS;
  }
  get Container() {
    return this.s.container;
  }
  get Name() {
    return this.s.name.length > 1 ? this.s.name.slice(1) : '--';
  }
  get ID() {
    return this.trunc ? truncateID(this.s.id) : this.s.id;
  }
  get CPUPerc() {
    return this.s.isInvalid ? '--' : percentage(this.s.cpuPercentage);
  }
  get MemUsage() {
    return this.s.isInvalid ? '-- / --' : `${bytesSize(this.s.memory)} / ${bytesSize(this.s.memoryLimit)}`;
  }
  get MemPerc() {
    return this.s.isInvalid ? '--' : percentage(this.s.memoryPercentage);
  }
  get NetIO() {
    return this.s.isInvalid ? '--' : `${humanSizeWithPrecision(this.s.networkRx, 3)} / ${humanSizeWithPrecision(this.s.networkTx, 3)}`;
  }
  get BlockIO() {
    return this.s.isInvalid ? '--' : `${humanSizeWithPrecision(this.s.blockRead, 3)} / ${humanSizeWithPrecision(this.s.blockWrite, 3)}`;
  }
  get PIDs() {
    return this.s.isInvalid ? '--' : String(this.s.pids);
  }
}
