/**
 * The HostConfig part of the create body, in Go's field order (HostConfig, then the embedded
 * Resources), with docker's client-side checks of restart policy, logging, security and
 * namespace options.
 */
import { readFileSync } from 'node:fs';
import type { ContainerFlags } from './container-flags.js';
import { goParseInt } from './go-parse.js';
import { goOpenError, kvStringsToMap } from './kv-files.js';
import type { ParsedPorts } from './port-specs.js';

export interface HostConfigInput {
  flags: ContainerFlags;
  binds: string[] | null;
  ports: ParsedPorts;
  caps: { capAdd: string[] | null; capDrop: string[] | null };
  consoleSize: [number, number];
  networkMode: string;
}

const sorted = <V>(o: Record<string, V>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** opts.ParseRestartPolicy: only the format is checked here; the daemon checks the name. */
export function parseRestartPolicy(policy: string): { Name: string; MaximumRetryCount: number } {
  if (policy === '') return { Name: '', MaximumRetryCount: 0 };
  const colon = policy.indexOf(':');
  const name = colon < 0 ? policy : policy.slice(0, colon);
  const count = colon < 0 ? '' : policy.slice(colon + 1);
  if (colon >= 0 && name === '') throw new Error('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    try {
      max = goParseInt(count, 10, 64);
    } catch {
      throw new Error('invalid restart policy format: maximum retry count must be an integer');
    }
  }
  return { Name: name, MaximumRetryCount: max };
}

/** parseSecurityOpts + parseSystemPaths: seccomp profiles are read and inlined, `systempaths=unconfined` handled here. */
function securityOptions(opts: readonly string[]): { securityOpt: string[] | null; masked: string[] | null; readonly: string[] | null } {
  const out: string[] = [];
  let masked: string[] | null = null;
  let readonlyPaths: string[] | null = null;
  for (const opt of opts) {
    let sep = opt.indexOf('=');
    if (sep < 0 && opt !== 'no-new-privileges') sep = opt.indexOf(':');
    const k = sep < 0 ? opt : opt.slice(0, sep);
    let v = sep < 0 ? '' : opt.slice(sep + 1);
    if ((sep < 0 || v === '') && k !== 'no-new-privileges') throw new Error(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    if (k === 'seccomp' && v !== 'builtin' && v !== 'unconfined') {
      let text: string;
      try {
        text = readFileSync(v, 'utf8');
      } catch (e) {
        throw new Error(`opening seccomp profile (${v}) failed: ${goOpenError(v, e).message}`);
      }
      try {
        v = JSON.stringify(JSON.parse(text));
      } catch (e) {
        throw new Error(`compacting json for seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
      out.push(`seccomp=${v}`);
      continue;
    }
    if (opt === 'systempaths=unconfined') {
      masked = [];
      readonlyPaths = [];
      continue;
    }
    out.push(opt);
  }
  return { securityOpt: opts.length ? out : null, masked, readonly: readonlyPaths };
}

/** validateLinuxPath + parseLinuxDevice for `--device host[:container][:perms]`. */
function parseDevice(device: string): Record<string, string> {
  const validMode = (m: string) => m !== '' && [...m].every((c, i, a) => 'rwm'.includes(c) && a.indexOf(c) === i);
  const parts = device.split(':');
  if (parts.length > 3 || parts[0] === '') throw new Error(`bad format for path: ${device}`);
  let src = parts[0];
  let dst = '';
  let perms = 'rwm';
  if (parts.length === 3) {
    if (!validMode(parts[2])) throw new Error(`bad mode specified: ${parts[2]}`);
    [src, dst, perms] = parts;
  } else if (parts.length === 2) {
    if (validMode(parts[1])) perms = parts[1];
    else dst = parts[1];
  }
  const target = dst || src;
  if (!target.startsWith('/')) throw new Error(`${target} is not an absolute path`);
  return { PathOnHost: src, PathInContainer: target, CgroupPermissions: perms };
}

function checkModes(f: ContainerFlags): void {
  const pid = f.pid ?? '';
  if (!(pid === '' || pid === 'host' || (pid.startsWith('container:') && pid.length > 10))) throw new Error('--pid: invalid PID mode');
  const uts = f.uts ?? '';
  if (!(uts === '' || uts === 'host')) throw new Error('--uts: invalid UTS mode');
  const userns = f.userns ?? '';
  if (!(userns === '' || userns === 'host')) throw new Error('--userns: invalid USER mode');
  if (!['', 'host', 'private'].includes(f.cgroupns ?? '')) throw new Error('--cgroupns: invalid CGROUP mode');
}

function storageOptions(opts: readonly string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const o of opts) {
    const eq = o.indexOf('=');
    if (eq < 0) throw new Error('invalid storage option');
    m[o.slice(0, eq)] = o.slice(eq + 1);
  }
  return sorted(m);
}

function resources(f: ContainerFlags, devices: Array<Record<string, string>>): Record<string, unknown> {
  return {
    CpuShares: f.cpuShares ?? 0,
    Memory: f.memory ?? 0,
    NanoCpus: f.cpus ?? 0,
    CgroupParent: f.cgroupParent ?? '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: f.cpuPeriod ?? 0,
    CpuQuota: f.cpuQuota ?? 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: f.cpusetCpus ?? '',
    CpusetMems: f.cpusetMems ?? '',
    Devices: devices,
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: f.memoryReservation ?? 0,
    MemorySwap: f.memorySwap ?? 0,
    MemorySwappiness: f.memorySwappiness,
    OomKillDisable: Boolean(f.oomKillDisable),
    PidsLimit: f.pidsLimit ?? 0,
    Ulimits: f.ulimit,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
  };
}

/** The HostConfig object of the create body. Throws docker's messages for bad values. */
export function buildHostConfig(input: HostConfigInput): Record<string, unknown> {
  const f = input.flags;
  const devices = f.device.map(parseDevice);
  checkModes(f);
  const restart = parseRestartPolicy(f.restart);
  if (f.logDriver === 'none' && f.logOpt.length > 0) throw new Error('invalid logging opts for driver none');
  const security = securityOptions(f.securityOpt);
  const storage = storageOptions(f.storageOpt);
  const tmpfs: Record<string, string> = {};
  for (const t of f.tmpfs) {
    const colon = t.indexOf(':');
    tmpfs[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? '' : t.slice(colon + 1);
  }
  const sysctls = kvStringsToMap(f.sysctl);
  const bindings = Object.fromEntries([...input.ports.bindings.entries()]);
  const hc: Record<string, unknown> = {
    Binds: input.binds,
    ContainerIDFile: f.cidfile ?? '',
    LogConfig: { Type: f.logDriver ?? '', Config: sorted(kvStringsToMap(f.logOpt)) },
    NetworkMode: input.networkMode,
    PortBindings: sorted(bindings),
    RestartPolicy: restart,
    AutoRemove: Boolean(f.rm),
    VolumeDriver: f.volumeDriver ?? '',
    VolumesFrom: f.volumesFrom.length ? f.volumesFrom : null,
    ConsoleSize: input.consoleSize,
    CapAdd: input.caps.capAdd,
    CapDrop: input.caps.capDrop,
    CgroupnsMode: f.cgroupns ?? '',
    Dns: f.dns,
    DnsOptions: f.dnsOption,
    DnsSearch: f.dnsSearch,
    ExtraHosts: f.addHost.length ? f.addHost : null,
    GroupAdd: f.groupAdd.length ? f.groupAdd : null,
    IpcMode: f.ipc ?? '',
    Cgroup: '',
    Links: null,
    OomScoreAdj: f.oomScoreAdj ?? 0,
    PidMode: f.pid ?? '',
    Privileged: Boolean(f.privileged),
    PublishAllPorts: Boolean(f.publishAll),
    ReadonlyRootfs: Boolean(f.readOnly),
    SecurityOpt: security.securityOpt,
  };
  if (Object.keys(storage).length) hc.StorageOpt = storage;
  if (Object.keys(tmpfs).length) hc.Tmpfs = sorted(tmpfs);
  Object.assign(hc, { UTSMode: f.uts ?? '', UsernsMode: f.userns ?? '', ShmSize: f.shmSize ?? 0 });
  if (Object.keys(sysctls).length) hc.Sysctls = sorted(sysctls);
  if (f.runtime) hc.Runtime = f.runtime;
  hc.Isolation = f.isolation ?? '';
  Object.assign(hc, resources(f, devices));
  if (f.mount.length) hc.Mounts = f.mount;
  Object.assign(hc, { MaskedPaths: security.masked, ReadonlyPaths: security.readonly });
  if (f.init !== undefined) hc.Init = f.init;
  if (f.rm && restart.Name !== '' && restart.Name !== 'no') throw new Error('conflicting options: cannot specify both --restart and --rm');
  return hc;
}
