import type { OciLinuxDevice, OciMount } from '../../../core/runtime/oci-spec-types.js';
import type { ContainerConfig, HostConfig } from '../../../spec/engine/types.js';
import type { SeccompProfile } from './seccomp.js';

/** A soft/hard rlimit pair as the daemon has it (`/proc/self/limits`); Infinity for unlimited. */
export interface RlimitPair {
  soft: number;
  hard: number;
}

/**
 * What the spec generator needs to know about the daemon and its host. Read once at start-up by
 * `readDaemonFacts` (daemon-facts.ts); plain data so the generator stays a pure function.
 */
export interface DaemonFacts {
  /** The daemon's own bounding capability set (`CAP_*`): `ALL` and `--privileged` never exceed it. */
  capabilities: string[];
  /** The daemon's rlimits by lower-case name (`nofile`, `nproc`, …): `--ulimit` may not exceed the hard ones. */
  rlimits: Record<string, RlimitPair>;
  /** Parent of every container's cgroup, e.g. `/wharf` (cgroupsPath = `<parent>/<id>`). */
  cgroupParent: string;
  /** Docker's default seccomp profile (moby format), e.g. ../shared/specs/seccomp-default.json. */
  seccompProfile: SeccompProfile;
  /** Go/libseccomp name of the host architecture (`amd64`, `arm64`, …). */
  arch: string;
  /** Host kernel version as [major, minor], for the profile's minKernel rules. */
  kernel: [number, number];
  /** Number of online CPUs, for `--cpus` validation. */
  ncpu: number;
  /** CPUs the daemon may use (cpuset list, e.g. `0-1`), for `--cpuset-cpus` validation. */
  cpusetCpus: string;
  /** Whether cgroup v1 swap accounting exists (memory.memsw.*). */
  swapLimit: boolean;
  /** Host path of a static init binary (docker-init / tini-static) for `--init`, if installed. */
  initPath?: string;
  /** The host's device nodes, given to `--privileged` containers. */
  hostDevices: OciLinuxDevice[];
  /** The host's hostname, used with `--network host` / `--uts host`. */
  hostname: string;
}

/** Host files bind-mounted over the container's /etc files (the daemon writes them). */
export interface EtcFiles {
  hostsPath?: string;
  hostnamePath?: string;
  resolvConfPath?: string;
}

/** The image's user database, read from the rootfs (see `readUserDb`); absent files are undefined. */
export interface UserDb {
  passwd?: string;
  group?: string;
}

/** Namespaces to join instead of creating (resolved `container:<id>` or netns paths). */
export interface JoinNamespaces {
  network?: string;
  ipc?: string;
  pid?: string;
}

/** Everything that goes into one container's config.json. */
export interface SpecInput {
  /** Full container id (64 hex); its first 12 chars are the default hostname. */
  id: string;
  /**
   * The container's Config, already merged with the image config (`mergeImageConfig`), as
   * Docker stores and reports it in inspect.
   */
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** Host path of the mounted root filesystem. */
  rootfs: string;
  daemon: DaemonFacts;
  etcFiles?: EtcFiles;
  userDb?: UserDb;
  joinNamespaces?: JoinNamespaces;
  /** Host path of a shared /dev/shm (ipc `shareable` or `container:`), bind-mounted. */
  shmPath?: string;
  /** Further mounts already resolved by the caller (binds, volumes), sorted in with the rest. */
  extraMounts?: OciMount[];
  /** linux.rootfsPropagation an rshared/rslave bind calls for (see mounts/mount-setup.ts). */
  rootfsPropagation?: string;
}
