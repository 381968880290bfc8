import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BlkioStatEntry, BlkioStats, CPUStats, MemoryStats, NetworkStats, PidsStats } from './stats-types.js';

/** USER_HZ: cpuacct.stat and /proc/stat count in these ticks (Linux fixes it at 100 for userspace). */
const CLOCK_TICKS = 100n;
const NS = 1_000_000_000n;

/** The memory.stat keys dockerd copies into `memory_stats.stats` for cgroup v1 (daemon/stats_unix.go). */
const MEMORY_STAT_KEYS = [
  'cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable',
  'hierarchical_memory_limit', 'hierarchical_memsw_limit',
  'total_cache', 'total_rss', 'total_rss_huge', 'total_mapped_file', 'total_dirty', 'total_writeback', 'total_pgpgin',
  'total_pgpgout', 'total_pgfault', 'total_pgmajfault', 'total_inactive_anon', 'total_active_anon', 'total_inactive_file',
  'total_active_file', 'total_unevictable',
];

/** containerd's cgroup v1 blkio files when CFQ (or BFQ-compatible) stats exist, and the field each fills. */
const CFQ_FILES: Array<[string, keyof BlkioStats]> = [
  ['sectors_recursive', 'sectors_recursive'],
  ['io_service_bytes_recursive', 'io_service_bytes_recursive'],
  ['io_serviced_recursive', 'io_serviced_recursive'],
  ['io_queued_recursive', 'io_queue_recursive'],
  ['io_service_time_recursive', 'io_service_time_recursive'],
  ['io_wait_time_recursive', 'io_wait_time_recursive'],
  ['io_merged_recursive', 'io_merged_recursive'],
  ['time_recursive', 'io_time_recursive'],
];
/** Without CFQ stats, containerd falls back to the throttle policy's counters. */
const THROTTLE_FILES: Array<[string, keyof BlkioStats]> = [
  ['throttle.io_serviced', 'io_serviced_recursive'],
  ['throttle.io_service_bytes', 'io_service_bytes_recursive'],
];

/** What one read of a container's cgroup (v1) gives. */
export interface CgroupSample {
  cpu: CPUStats;
  memory: MemoryStats;
  pids: PidsStats;
  blkio: BlkioStats;
}

export interface CgroupReadOptions {
  /** Where the v1 hierarchies are mounted; default /sys/fs/cgroup. */
  root?: string;
  /** The host's memory: an unlimited container reports it as its limit, as dockerd does. */
  memTotal: bigint;
}

/**
 * Reads a container's cgroup v1 counters the way containerd's cgroups v1 metrics and dockerd's
 * statsV1 conversion do. `cgroupsPath` is the OCI spec's `linux.cgroupsPath` (absolute within
 * each hierarchy). A controller whose files are missing leaves its part at zero.
 */
export async function readCgroupV1(cgroupsPath: string, opts: CgroupReadOptions): Promise<CgroupSample> {
  const root = opts.root ?? '/sys/fs/cgroup';
  const dir = (controller: string) => path.join(root, controller, cgroupsPath);
  const [cpu, memory, pids, blkio] = await Promise.all([readCpu(dir('cpuacct'), dir('cpu')), readMemory(dir('memory'), opts.memTotal), readPids(dir('pids')), readBlkio(dir('blkio'))]);
  return { cpu, memory, pids, blkio };
}

async function readCpu(acct: string, cpu: string): Promise<CPUStats> {
  const [usage, percpu, stat, cpuStat] = await Promise.all([
    read(acct, 'cpuacct.usage'),
    read(acct, 'cpuacct.usage_percpu'),
    read(acct, 'cpuacct.stat'),
    read(cpu, 'cpu.stat'),
  ]);
  const ticks = keyValues(stat);
  const throttle = keyValues(cpuStat);
  const perCpu = (percpu ?? '').split(/\s+/).filter(Boolean).map(BigInt);
  return {
    cpu_usage: {
      total_usage: num(usage),
      ...(perCpu.length > 0 ? { percpu_usage: perCpu } : {}),
      usage_in_kernelmode: ((ticks.system ?? 0n) * NS) / CLOCK_TICKS,
      usage_in_usermode: ((ticks.user ?? 0n) * NS) / CLOCK_TICKS,
    },
    throttling_data: { periods: throttle.nr_periods ?? 0n, throttled_periods: throttle.nr_throttled ?? 0n, throttled_time: throttle.throttled_time ?? 0n },
  };
}

async function readMemory(dir: string, memTotal: bigint): Promise<MemoryStats> {
  const [usage, max, failcnt, limit, stat] = await Promise.all(
    ['memory.usage_in_bytes', 'memory.max_usage_in_bytes', 'memory.failcnt', 'memory.limit_in_bytes', 'memory.stat'].map((f) => read(dir, f)),
  );
  if (usage === undefined) return {};
  const all = keyValues(stat);
  const stats: Record<string, bigint> = {};
  for (const k of [...MEMORY_STAT_KEYS].sort()) stats[k] = all[k] ?? 0n;
  const out: MemoryStats = { usage: num(usage), max_usage: num(max), stats };
  if (num(failcnt) > 0n) out.failcnt = num(failcnt);
  const lim = num(limit);
  out.limit = memTotal > 0n && lim > memTotal ? memTotal : lim;
  return out;
}

async function readPids(dir: string): Promise<PidsStats> {
  const [current, max] = await Promise.all([read(dir, 'pids.current'), read(dir, 'pids.max')]);
  const out: PidsStats = {};
  if (num(current) > 0n) out.current = num(current);
  // "max" (no limit) is 0, which the omitempty field drops.
  if (num(max) > 0n) out.limit = num(max);
  return out;
}

async function readBlkio(dir: string): Promise<BlkioStats> {
  const stats: BlkioStats = {
    io_service_bytes_recursive: [],
    io_serviced_recursive: [],
    io_queue_recursive: [],
    io_service_time_recursive: [],
    io_wait_time_recursive: [],
    io_merged_recursive: [],
    io_time_recursive: [],
    sectors_recursive: [],
  };
  let found = 0;
  if ((await read(dir, 'blkio.io_serviced_recursive')) !== undefined) {
    for (const [file, field] of CFQ_FILES) {
      stats[field] = blkioEntries(await read(dir, `blkio.${file}`));
      found += stats[field]!.length;
    }
  }
  if (found > 0) return stats;
  for (const [file, field] of THROTTLE_FILES) stats[field] = blkioEntries(await read(dir, `blkio.${file}`));
  return stats;
}

/** `8:0 Read 4096` lines (or `8:0 4096` for sectors and time); the device-less `Total` line is skipped. */
function blkioEntries(text: string | undefined): BlkioStatEntry[] {
  const out: BlkioStatEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!dev || f.length < 2) continue;
    const [op, value] = f.length >= 3 ? [f[1]!, f[2]!] : ['', f[1]!];
    out.push({ major: BigInt(dev[1]!), minor: BigInt(dev[2]!), op, value: BigInt(value) });
  }
  return out;
}

/**
 * The host's CPU time (sum of the first seven fields of /proc/stat's `cpu` line, in ns) and the
 * number of `cpuN` lines, as dockerd's getSystemCPUUsage reads them.
 */
export async function readSystemCpu(procRoot = '/proc'): Promise<{ systemUsage: bigint; onlineCpus: number }> {
  const text = await fs.readFile(path.join(procRoot, 'stat'), 'utf8');
  let systemUsage = 0n;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu') systemUsage = (f.slice(1, 8).reduce((a, v) => a + BigInt(v), 0n) * NS) / CLOCK_TICKS;
    else if (/^cpu\d+$/.test(f[0] ?? '')) onlineCpus++;
  }
  return { systemUsage, onlineCpus };
}

/** Per-interface counters from /proc/<pid>/net/dev (the container's network namespace), `lo` excluded. */
export async function readNetworks(pid: number, procRoot = '/proc'): Promise<Record<string, NetworkStats>> {
  const text = await fs.readFile(path.join(procRoot, String(pid), 'net/dev'), 'utf8').catch(() => '');
  const out: Record<string, NetworkStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const v = m[2]!.trim().split(/\s+/).map(BigInt);
    if (v.length < 16) continue;
    out[m[1]!] = { rx_bytes: v[0]!, rx_packets: v[1]!, rx_errors: v[2]!, rx_dropped: v[3]!, tx_bytes: v[8]!, tx_packets: v[9]!, tx_errors: v[10]!, tx_dropped: v[11]! };
  }
  return out;
}

async function read(dir: string, file: string): Promise<string | undefined> {
  return fs.readFile(path.join(dir, file), 'utf8').catch(() => undefined);
}

function num(s: string | undefined): bigint {
  const t = (s ?? '').trim();
  return /^\d+$/.test(t) ? BigInt(t) : 0n;
}

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat). */
function keyValues(text: string | undefined): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out[k] = BigInt(v);
  }
  return out;
}
