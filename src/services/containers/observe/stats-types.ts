/**
 * The `GET /containers/{id}/stats` document (Docker's types.StatsJSON) as dockerd 20.10 writes
 * it on Linux and docker CLI 28 reads it. The 1.41 swagger leaves the response untyped, so the
 * shape is written here from the wire (transcripts/stats.md) and moby's api/types/stats.go.
 * Counters are bigints: cgroup values such as an unlimited `hierarchical_memory_limit`
 * (9223372036854771712) do not fit a double; {@link statsJSON} writes them exactly.
 */

/** One blkio counter of one device and operation (Read, Write, Sync, Async, Discard, Total). */
export interface BlkioStatEntry {
  major: bigint;
  minor: bigint;
  op: string;
  value: bigint;
}

/** Null lists are what dockerd sends for a container that is not running. */
export interface BlkioStats {
  io_service_bytes_recursive: BlkioStatEntry[] | null;
  io_serviced_recursive: BlkioStatEntry[] | null;
  io_queue_recursive: BlkioStatEntry[] | null;
  io_service_time_recursive: BlkioStatEntry[] | null;
  io_wait_time_recursive: BlkioStatEntry[] | null;
  io_merged_recursive: BlkioStatEntry[] | null;
  io_time_recursive: BlkioStatEntry[] | null;
  sectors_recursive: BlkioStatEntry[] | null;
}

export interface CPUStats {
  cpu_usage: {
    /** Nanoseconds of CPU time. */
    total_usage: bigint;
    percpu_usage?: bigint[];
    usage_in_kernelmode: bigint;
    usage_in_usermode: bigint;
  };
  /** The host's CPU time in nanoseconds (all CPUs, /proc/stat). */
  system_cpu_usage?: bigint;
  online_cpus?: number;
  throttling_data: { periods: bigint; throttled_periods: bigint; throttled_time: bigint };
}

export interface MemoryStats {
  usage?: bigint;
  max_usage?: bigint;
  stats?: Record<string, bigint>;
  failcnt?: bigint;
  limit?: bigint;
}

export interface PidsStats {
  current?: bigint;
  limit?: bigint;
}

export interface NetworkStats {
  rx_bytes: bigint;
  rx_packets: bigint;
  rx_errors: bigint;
  rx_dropped: bigint;
  tx_bytes: bigint;
  tx_packets: bigint;
  tx_errors: bigint;
  tx_dropped: bigint;
}

export interface ContainerStatsResponse {
  read: string;
  preread: string;
  pids_stats: PidsStats;
  blkio_stats: BlkioStats;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CPUStats;
  precpu_stats: CPUStats;
  memory_stats: MemoryStats;
  /** With the leading `/`. */
  name: string;
  id: string;
  networks?: Record<string, NetworkStats>;
}

/** One line of the stats stream: Go's JSON with every bigint written as its exact digits. */
export function statsJSON(s: ContainerStatsResponse): string {
  const marked = JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000big:${v}` : v));
  return `${marked.replace(/"\\u0000big:(-?\d+)"/g, '$1')}\n`;
}
