import type { OciMount, OciNamespace, OciProcess, OciSpec } from '../../../core/runtime/oci-spec-types.js';
import { unavailable } from '../../../errdefs/index.js';
import type { HostConfig } from '../../../spec/engine/types.js';
import { resolveCapabilities } from './capabilities.js';
import { CONTAINER_INIT_PATH, containerEnv, processArgs } from './container-config.js';
import { bindMount, DEFAULT_SHM_SIZE, defaultMounts, privateShmMount, sortMounts, tmpfsMounts, withoutOverridden } from './mounts.js';
import { resolveResources, resolveRlimits } from './resources.js';
import { parseSeccompProfile, seccompFromProfile } from './seccomp.js';
import { parseSecurityOpts } from './security-opts.js';
import type { SpecInput } from './spec-input.js';
import { resolveUser } from './user.js';

/** The OCI runtime-spec version written into config.json (what runc 1.1 and Docker 20.10 write). */
export const OCI_VERSION = '1.0.2-dev';

/** Docker's masked /proc and /sys paths for unprivileged containers. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];

/** Docker's read-only /proc paths for unprivileged containers. */
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The generated config and the warnings Docker would return from create. */
export interface GeneratedSpec {
  spec: OciSpec;
  warnings: string[];
}

/**
 * The container's hostname: its Config.Hostname, else the host's with host networking, else the
 * short id (what Docker stores in Config.Hostname at create; `--uts host` keeps the short id in
 * HOSTNAME although the kernel hostname is the host's).
 */
export function containerHostname(input: Pick<SpecInput, 'id' | 'config' | 'hostConfig' | 'daemon'>): string {
  if (input.config.Hostname) return input.config.Hostname;
  if (input.hostConfig.NetworkMode === 'host') return input.daemon.hostname;
  return input.id.slice(0, 12);
}

/** Namespaces in Docker's order (mount, network, uts, pid, ipc); host modes share the host's. */
function namespaces(input: SpecInput): OciNamespace[] {
  const h = input.hostConfig;
  const join = input.joinNamespaces ?? {};
  const ns: OciNamespace[] = [{ type: 'mount' }];
  if (h.NetworkMode !== 'host') ns.push(join.network ? { type: 'network', path: join.network } : { type: 'network' });
  if (h.UTSMode !== 'host') ns.push({ type: 'uts' });
  if (h.PidMode !== 'host') ns.push(join.pid ? { type: 'pid', path: join.pid } : { type: 'pid' });
  if (h.IpcMode !== 'host') ns.push(join.ipc ? { type: 'ipc', path: join.ipc } : { type: 'ipc' });
  return ns;
}

/** /dev/shm by ipc mode: a private tmpfs (default), the host's, a shared dir, or none. */
function shmMounts(input: SpecInput): { inDefaults: OciMount[]; asUser: OciMount[] } {
  const mode = input.hostConfig.IpcMode || 'private';
  if (mode === 'none') return { inDefaults: [], asUser: [] };
  if (mode === 'host') return { inDefaults: [], asUser: [bindMount('/dev/shm', '/dev/shm')] };
  if (input.shmPath) return { inDefaults: [], asUser: [bindMount(input.shmPath, '/dev/shm')] };
  const size = input.hostConfig.ShmSize && input.hostConfig.ShmSize > 0 ? input.hostConfig.ShmSize : DEFAULT_SHM_SIZE;
  return { inDefaults: [privateShmMount(size)], asUser: [] };
}

/** Every mount in Docker's order: defaults, the init binary, then the rest by depth. */
function mounts(input: SpecInput, privileged: boolean, init: boolean): OciMount[] {
  const ro = input.hostConfig.ReadonlyRootfs === true;
  const shm = shmMounts(input);
  const etc: OciMount[] = [];
  const f = input.etcFiles ?? {};
  if (f.resolvConfPath) etc.push(bindMount(f.resolvConfPath, '/etc/resolv.conf', ro));
  if (f.hostnamePath) etc.push(bindMount(f.hostnamePath, '/etc/hostname', ro));
  if (f.hostsPath) etc.push(bindMount(f.hostsPath, '/etc/hosts', ro));
  // moby WithMounts order (kept by the stable depth sort): binds and volumes, the etc files, a
  // shared /dev/shm, then tmpfs — a `--tmpfs` on a volume's path covers the volume, as in Docker.
  const user = [...(input.extraMounts ?? []), ...etc, ...shm.asUser, ...tmpfsMounts(input.hostConfig.Tmpfs)];
  const defaults = withoutOverridden([...defaultMounts(privileged), ...shm.inDefaults], user);
  const initMount: OciMount[] = [];
  if (init) {
    if (!input.daemon.initPath) throw unavailable('--init needs docker-init or tini-static on the host, and neither is installed');
    initMount.push({ destination: CONTAINER_INIT_PATH, type: 'bind', source: input.daemon.initPath, options: ['bind', 'ro'] });
  }
  return [...defaults, ...initMount, ...sortMounts(user)];
}

function sysctls(h: HostConfig): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (h.NetworkMode !== 'host') {
    // Docker lets unprivileged processes bind low ports and ping inside a private netns.
    out['net.ipv4.ip_unprivileged_port_start'] = '0';
    out['net.ipv4.ping_group_range'] = '0 2147483647';
  }
  Object.assign(out, h.Sysctls ?? {});
  return Object.keys(out).length ? out : undefined;
}

/**
 * Builds a container's OCI runtime config from its (image-merged) Config, its HostConfig, the
 * rootfs path and the daemon's facts, with Docker 20.10's defaults and semantics (compared
 * field by field against Docker's own output in generate-spec.test.ts). Pure: every host fact
 * comes in through `input`. Throws InvalidArgument with Docker's message for bad input.
 */
export function generateSpec(input: SpecInput): GeneratedSpec {
  const { config: c, hostConfig: h, daemon: d } = input;
  const privileged = h.Privileged === true;
  const init = h.Init === true;
  const hostname = containerHostname(input);
  const sec = parseSecurityOpts(h.SecurityOpt);
  const user = resolveUser(c.User ?? '', h.GroupAdd ?? [], input.userDb ?? {});
  const caps = resolveCapabilities({ capAdd: h.CapAdd, capDrop: h.CapDrop, privileged, available: d.capabilities });
  const { resources, warnings } = resolveResources(h, d);
  const process: OciProcess = {
    user,
    args: processArgs(c, init),
    env: containerEnv(c, hostname),
    cwd: c.WorkingDir || '/',
    // Like execve, a non-root user starts with empty effective and permitted sets.
    capabilities: user.uid === 0 ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps },
    oomScoreAdj: h.OomScoreAdj ?? 0,
  };
  if (c.Tty) process.terminal = true;
  const [height = 0, width = 0] = h.ConsoleSize ?? [];
  if (c.Tty && height > 0 && width > 0) process.consoleSize = { height, width };
  const rlimits = resolveRlimits(h.Ulimits, d);
  if (rlimits) process.rlimits = rlimits;
  if (sec.noNewPrivileges) process.noNewPrivileges = true;

  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process,
    root: h.ReadonlyRootfs ? { path: input.rootfs, readonly: true } : { path: input.rootfs },
    mounts: mounts(input, privileged, init),
    linux: {
      resources,
      cgroupsPath: `${h.CgroupParent || d.cgroupParent}/${input.id}`,
      namespaces: namespaces(input),
    },
  };
  if (h.UTSMode !== 'host') spec.hostname = hostname;
  const linux = spec.linux!;
  if (input.rootfsPropagation) linux.rootfsPropagation = input.rootfsPropagation;
  const sys = sysctls(h);
  if (sys) linux.sysctl = sys;
  if (privileged) linux.devices = d.hostDevices.map((dev) => ({ ...dev }));
  if (!privileged && sec.seccomp !== 'unconfined') {
    const profile = sec.seccomp ? parseSeccompProfile(sec.seccomp) : d.seccompProfile;
    linux.seccomp = seccompFromProfile(profile, { capabilities: caps, arch: d.arch, kernel: d.kernel });
  }
  if (!privileged) {
    linux.maskedPaths = [...(h.MaskedPaths ?? DEFAULT_MASKED_PATHS)];
    linux.readonlyPaths = [...(h.ReadonlyPaths ?? DEFAULT_READONLY_PATHS)];
  }
  return { spec, warnings };
}
