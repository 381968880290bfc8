import type { OciDeviceCgroup, OciLinuxResources, OciRlimit } from '../../../core/runtime/oci-spec-types.js';
import { invalidArgument } from '../../../errdefs/index.js';
import type { HostConfig } from '../../../spec/engine/types.js';
import type { DaemonFacts } from './spec-input.js';

/** Docker's device cgroup rules for unprivileged containers (moby oci.DefaultLinuxSpec). */
export const DEFAULT_DEVICE_RULES: readonly OciDeviceCgroup[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
];

const CPU_PERIOD = 100000;
const MIN_MEMORY = 6 * 1024 * 1024;

/** Expands a cpuset list (`0-2,4`) into cpu numbers; InvalidArgument if malformed. */
export function parseCpuset(list: string): number[] {
  const out = new Set<number>();
  for (const part of list.split(',').filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw invalidArgument(`Invalid value ${list} for cpuset cpus`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw invalidArgument(`Invalid value ${list} for cpuset cpus`);
    for (let c = lo; c <= hi; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

/** `update`: the values of a `docker update`, which may set the swap limit alone. */
function validateMemory(h: HostConfig, update = false): void {
  const mem = h.Memory ?? 0;
  const swap = h.MemorySwap ?? 0;
  if (mem > 0 && mem < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (swap > 0 && mem === 0 && !update) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (mem > 0 && swap > 0 && swap < mem) {
    throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  const sw = h.MemorySwappiness;
  if (sw !== undefined && sw !== null && sw !== -1 && (sw < 0 || sw > 100)) {
    throw invalidArgument(`Invalid value: ${sw}, valid memory swappiness range is 0-100`);
  }
  const res = h.MemoryReservation ?? 0;
  if (mem > 0 && res > 0 && mem < res) {
    throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
}

function validateCpu(h: HostConfig, d: DaemonFacts): void {
  const nano = h.NanoCpus ?? 0;
  if (nano > 0 && ((h.CpuPeriod ?? 0) > 0 || (h.CpuQuota ?? 0) > 0)) {
    throw invalidArgument(`Conflicting options: Nano CPUs and CPU ${(h.CpuPeriod ?? 0) > 0 ? 'Period' : 'Quota'} cannot both be set`);
  }
  if (nano < 0 || nano > d.ncpu * 1e9) {
    throw invalidArgument(`Range of CPUs is from 0.01 to ${d.ncpu}.00, as there are only ${d.ncpu} CPUs available`);
  }
  if (h.CpusetCpus) {
    const avail = parseCpuset(d.cpusetCpus);
    if (!parseCpuset(h.CpusetCpus).every((c) => avail.includes(c))) {
      throw invalidArgument(`Requested CPUs are not available - requested ${h.CpusetCpus}, available: ${d.cpusetCpus}`);
    }
  }
  const period = h.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1000000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  const quota = h.CpuQuota ?? 0;
  if (quota > 0 && quota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
}

/** Result of {@link resolveResources}: the cgroup limits and Docker-style warnings. */
export interface ResolvedResources {
  resources: OciLinuxResources;
  warnings: string[];
}

/**
 * Cgroup limits from HostConfig, validated with Docker's messages (moby
 * verifyPlatformContainerResources) and shaped as Docker writes them: `--memory` with swap
 * defaulting to twice the memory, `--cpus` as quota over a 100 ms period, `--pids-limit` ≤ 0 as
 * unlimited, and the default device rules (or allow-all for privileged containers).
 */
export function resolveResources(h: HostConfig, d: DaemonFacts): ResolvedResources {
  validateMemory(h);
  validateCpu(h, d);
  const warnings: string[] = [];
  const mem = h.Memory ?? 0;
  let swap = h.MemorySwap ?? 0;
  if (mem > 0 && swap === 0) swap = mem * 2;
  if (swap !== 0 && !d.swapLimit) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    swap = 0;
  }
  const memory: NonNullable<OciLinuxResources['memory']> = {};
  if (mem > 0) memory.limit = mem;
  if (h.MemoryReservation) memory.reservation = h.MemoryReservation;
  if (swap !== 0) memory.swap = swap;
  if (h.MemorySwappiness !== undefined && h.MemorySwappiness !== null && h.MemorySwappiness >= 0) memory.swappiness = h.MemorySwappiness;
  memory.disableOOMKiller = h.OomKillDisable ?? false;
  const cpu: NonNullable<OciLinuxResources['cpu']> = { shares: h.CpuShares ?? 0 };
  const nano = h.NanoCpus ?? 0;
  if (nano > 0) {
    cpu.quota = Math.floor((nano * CPU_PERIOD) / 1e9);
    cpu.period = CPU_PERIOD;
  }
  if (h.CpuQuota) cpu.quota = h.CpuQuota;
  if (h.CpuPeriod) cpu.period = h.CpuPeriod;
  if (h.CpusetCpus) cpu.cpus = h.CpusetCpus;
  if (h.CpusetMems) cpu.mems = h.CpusetMems;
  const resources: OciLinuxResources = {
    devices: h.Privileged ? [{ allow: true, access: 'rwm' }] : DEFAULT_DEVICE_RULES.map((r) => ({ ...r })),
    memory,
    cpu,
  };
  if (h.PidsLimit !== undefined && h.PidsLimit !== null && h.PidsLimit > 0) resources.pids = { limit: h.PidsLimit };
  if (h.BlkioWeight) warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
  resources.blockIO = { weight: 0 };
  return { resources, warnings };
}

/**
 * The resources of a `docker update` checked alone, as dockerd's verifyContainerSettings does
 * for an update (before it merges them into the container's): the same messages as at create.
 * Returns the warnings the update reports.
 */
export function validateResourceUpdate(r: HostConfig, d: DaemonFacts): string[] {
  validateMemory(r, true);
  validateCpu(r, d);
  const warnings: string[] = [];
  if (r.KernelMemory) warnings.push('Specifying a kernel memory limit is deprecated and will be removed in a future release.');
  if (r.BlkioWeight) warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
  return warnings;
}

const RLIMIT_NAMES = new Set([
  'as',
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
]);

/**
 * `--ulimit` entries as OCI rlimits. Each is checked against the daemon's own hard limit: without
 * CAP_SYS_RESOURCE a process cannot raise a hard limit, so runc would fail the container with
 * "setrlimit ... operation not permitted"; here the caller gets a clear InvalidArgument instead.
 */
export function resolveRlimits(ulimits: HostConfig['Ulimits'], d: DaemonFacts): OciRlimit[] | undefined {
  if (!ulimits?.length) return undefined;
  return ulimits.map((u) => {
    const name = (u.Name ?? '').toLowerCase();
    if (!RLIMIT_NAMES.has(name)) throw invalidArgument(`invalid ulimit type: ${u.Name ?? ''}`);
    const soft = u.Soft ?? 0;
    const hard = u.Hard ?? 0;
    if (soft > hard) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    const own = d.rlimits[name];
    if (own && hard > own.hard) {
      throw invalidArgument(
        `ulimit ${name}=${soft}:${hard} exceeds the daemon's own hard limit ${own.hard}: raising a hard limit needs CAP_SYS_RESOURCE, which the daemon does not have`,
      );
    }
    return { type: `RLIMIT_${name.toUpperCase()}`, hard, soft };
  });
}
