/**
 * The Config and HostConfig a container keeps, shaped as dockerd stores and reports them in
 * inspect: Go's field order, Go's zero values for what the request left out, and the defaults
 * dockerd fills in at create (json-file logging, private IPC, host cgroupns on cgroup v1, a 64 MB
 * /dev/shm, the default runtime, the masked and read-only /proc paths).
 */
import type { ContainerConfig, HostConfig } from '../../../spec/engine/types.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '../oci-spec/generate-spec.js';
import { DEFAULT_SHM_SIZE } from '../oci-spec/mounts.js';

type Loose = Record<string, unknown>;

/** Copies `keys` of `src` in order, with `dflt` for missing ones; undefined defaults are omitted (Go omitempty). */
function ordered(src: Loose, keys: ReadonlyArray<readonly [string, unknown]>): Loose {
  const out: Loose = {};
  for (const [k, d] of keys) {
    const v = src[k];
    if (v !== undefined) out[k] = v;
    else if (d !== undefined) out[k] = d;
  }
  return out;
}

const CONFIG_KEYS: ReadonlyArray<readonly [string, unknown]> = [
  ['Hostname', ''],
  ['Domainname', ''],
  ['User', ''],
  ['AttachStdin', false],
  ['AttachStdout', false],
  ['AttachStderr', false],
  ['ExposedPorts', undefined],
  ['Tty', false],
  ['OpenStdin', false],
  ['StdinOnce', false],
  ['Env', null],
  ['Cmd', null],
  ['Healthcheck', undefined],
  ['ArgsEscaped', undefined],
  ['Image', ''],
  ['Volumes', null],
  ['WorkingDir', ''],
  ['Entrypoint', null],
  ['NetworkDisabled', undefined],
  ['MacAddress', undefined],
  ['OnBuild', null],
  ['Labels', {}],
  ['StopSignal', undefined],
  ['StopTimeout', undefined],
  ['Shell', undefined],
];

/** A merged Config in Go's order; empty collections become what dockerd reports (null / omitted). */
export function normalizeConfig(c: ContainerConfig): ContainerConfig {
  const src: Loose = { ...c };
  if (Array.isArray(src.Env) && src.Env.length === 0) src.Env = null;
  if (Array.isArray(src.Entrypoint) && src.Entrypoint.length === 0) src.Entrypoint = null;
  if (Array.isArray(src.Cmd) && src.Cmd.length === 0) src.Cmd = null;
  if (src.Volumes && Object.keys(src.Volumes as object).length === 0) src.Volumes = null;
  if (src.ExposedPorts && Object.keys(src.ExposedPorts as object).length === 0) delete src.ExposedPorts;
  if (src.ArgsEscaped === null || src.ArgsEscaped === false) delete src.ArgsEscaped;
  if (src.StopSignal === '' || src.StopSignal === null) delete src.StopSignal;
  if (src.StopTimeout === null) delete src.StopTimeout;
  if (src.MacAddress === '' || src.MacAddress === null) delete src.MacAddress;
  if (src.NetworkDisabled === false || src.NetworkDisabled === null) delete src.NetworkDisabled;
  if (src.Shell === null) delete src.Shell;
  return ordered(src, CONFIG_KEYS) as ContainerConfig;
}

const HOST_CONFIG_KEYS: ReadonlyArray<readonly [string, unknown]> = [
  ['Binds', null],
  ['ContainerIDFile', ''],
  ['LogConfig', { Type: 'json-file', Config: {} }],
  ['NetworkMode', 'default'],
  ['PortBindings', {}],
  ['RestartPolicy', { Name: 'no', MaximumRetryCount: 0 }],
  ['AutoRemove', false],
  ['VolumeDriver', ''],
  ['VolumesFrom', null],
  ['CapAdd', null],
  ['CapDrop', null],
  ['CgroupnsMode', 'host'],
  ['Dns', []],
  ['DnsOptions', []],
  ['DnsSearch', []],
  ['ExtraHosts', null],
  ['GroupAdd', null],
  ['IpcMode', 'private'],
  ['Cgroup', ''],
  ['Links', null],
  ['OomScoreAdj', 0],
  ['PidMode', ''],
  ['Privileged', false],
  ['PublishAllPorts', false],
  ['ReadonlyRootfs', false],
  ['SecurityOpt', null],
  ['StorageOpt', undefined],
  ['Tmpfs', undefined],
  ['UTSMode', ''],
  ['UsernsMode', ''],
  ['ShmSize', DEFAULT_SHM_SIZE],
  ['Sysctls', undefined],
  ['Runtime', undefined],
  ['ConsoleSize', [0, 0]],
  ['Isolation', ''],
  ['CpuShares', 0],
  ['Memory', 0],
  ['NanoCpus', 0],
  ['CgroupParent', ''],
  ['BlkioWeight', 0],
  ['BlkioWeightDevice', []],
  ['BlkioDeviceReadBps', []],
  ['BlkioDeviceWriteBps', []],
  ['BlkioDeviceReadIOps', []],
  ['BlkioDeviceWriteIOps', []],
  ['CpuPeriod', 0],
  ['CpuQuota', 0],
  ['CpuRealtimePeriod', 0],
  ['CpuRealtimeRuntime', 0],
  ['CpusetCpus', ''],
  ['CpusetMems', ''],
  ['Devices', []],
  ['DeviceCgroupRules', null],
  ['DeviceRequests', null],
  ['KernelMemory', 0],
  ['KernelMemoryTCP', 0],
  ['MemoryReservation', 0],
  ['MemorySwap', 0],
  ['MemorySwappiness', null],
  ['OomKillDisable', false],
  ['PidsLimit', null],
  ['Ulimits', []],
  ['CpuCount', 0],
  ['CpuPercent', 0],
  ['IOMaximumIOps', 0],
  ['IOMaximumBandwidth', 0],
  ['Mounts', undefined],
  ['MaskedPaths', null],
  ['ReadonlyPaths', null],
  ['Init', undefined],
];

/**
 * The HostConfig with dockerd's create-time defaults. `runtime` is the daemon's default runtime
 * (Docker records it in HostConfig.Runtime when the request names none).
 */
export function normalizeHostConfig(h: HostConfig | undefined, runtime: string): HostConfig {
  const src: Loose = { ...(h ?? {}) };
  const log = (src.LogConfig ?? {}) as { Type?: string; Config?: Record<string, string> | null };
  src.LogConfig = { Type: log.Type || 'json-file', Config: log.Config ?? {} };
  if (!src.NetworkMode) src.NetworkMode = 'default';
  const rp = (src.RestartPolicy ?? {}) as { Name?: string; MaximumRetryCount?: number };
  src.RestartPolicy = { Name: rp.Name || 'no', MaximumRetryCount: rp.MaximumRetryCount ?? 0 };
  if (!src.CgroupnsMode) src.CgroupnsMode = 'host';
  if (!src.IpcMode) src.IpcMode = 'private';
  if (!src.ShmSize) src.ShmSize = DEFAULT_SHM_SIZE;
  // moby adaptContainerSettings: swap defaults to twice the memory limit.
  if (typeof src.Memory === 'number' && src.Memory > 0 && !src.MemorySwap) src.MemorySwap = src.Memory * 2;
  if (!src.Runtime) src.Runtime = runtime;
  if (src.MemorySwappiness === -1) src.MemorySwappiness = null;
  if (src.PidsLimit === 0) src.PidsLimit = null;
  if (src.OomKillDisable === null) src.OomKillDisable = false;
  if (!src.Privileged) {
    if (src.MaskedPaths === null || src.MaskedPaths === undefined) src.MaskedPaths = [...DEFAULT_MASKED_PATHS];
    if (src.ReadonlyPaths === null || src.ReadonlyPaths === undefined) src.ReadonlyPaths = [...DEFAULT_READONLY_PATHS];
  }
  if (src.Init === null) delete src.Init;
  if (Array.isArray(src.Mounts) && src.Mounts.length === 0) delete src.Mounts;
  for (const k of ['Tmpfs', 'Sysctls', 'StorageOpt']) {
    if (src[k] === null || (src[k] && Object.keys(src[k] as object).length === 0)) delete src[k];
  }
  return ordered(src, HOST_CONFIG_KEYS) as HostConfig;
}
