import { promises as fs } from 'node:fs';
import os from 'node:os';
import { runCommand } from '../../lib/exec-file.js';
import { WHARF_VERSION } from '../../lib/version.js';
import { API_VERSION, MIN_API_VERSION } from '../../spec/engine/api-version.js';
import type { SystemInfo, SystemVersion } from '../../spec/engine/types.js';

/** Counts the engine's objects for /info; each subsystem contributes its numbers. */
export interface ObjectCounts {
  containers(): { total: number; running: number; paused: number; stopped: number };
  images(): number;
}

export interface SystemServiceOptions {
  engineId: string;
  dataRoot: string;
  runtime: 'runc' | 'crun';
  counts: ObjectCounts;
  listeners: () => number;
  debug: boolean;
}

interface HostFacts {
  operatingSystem: string;
  osVersion: string;
  runtimeVersion: string;
  initVersion: string;
  cgroupVersion: '1' | '2';
}

async function readOsRelease(): Promise<{ name: string; version: string }> {
  try {
    const text = await fs.readFile('/etc/os-release', 'utf8');
    const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(text)?.[1] ?? '';
    return { name: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
  } catch {
    return { name: 'Linux', version: '' };
  }
}

async function firstLineOf(cmd: string, args: string[]): Promise<string> {
  try {
    const r = await runCommand(cmd, args, { check: false });
    return r.stdout.split('\n')[0]?.trim() ?? '';
  } catch {
    return '';
  }
}

async function cgroupVersion(): Promise<'1' | '2'> {
  try {
    await fs.access('/sys/fs/cgroup/cgroup.controllers');
    return '2';
  } catch {
    return '1';
  }
}

/** Answers /version and /info. Host facts are gathered once, at start-up. */
export class SystemService {
  private constructor(
    private readonly opts: SystemServiceOptions,
    private readonly facts: HostFacts,
  ) {}

  static async create(opts: SystemServiceOptions): Promise<SystemService> {
    const [rel, rt, init, cg] = await Promise.all([
      readOsRelease(),
      firstLineOf(opts.runtime, ['--version']),
      firstLineOf('tini', ['--version']),
      cgroupVersion(),
    ]);
    const facts: HostFacts = {
      operatingSystem: rel.name,
      osVersion: rel.version,
      runtimeVersion: rt.replace(/^\S+ version /, ''),
      initVersion: init.replace(/^tini version /, '').split(' ')[0] ?? '',
      cgroupVersion: cg,
    };
    return new SystemService(opts, facts);
  }

  async version(): Promise<SystemVersion> {
    const kernel = os.release();
    return {
      Platform: { Name: 'Wharf Engine' },
      Components: [
        {
          Name: 'Engine',
          Version: WHARF_VERSION,
          Details: { ApiVersion: API_VERSION, Arch: goArch(), Experimental: 'false', KernelVersion: kernel, MinAPIVersion: MIN_API_VERSION, Os: 'linux', NodeVersion: process.version },
        },
        { Name: this.opts.runtime, Version: this.facts.runtimeVersion, Details: { GitCommit: '' } },
        { Name: 'docker-init', Version: this.facts.initVersion, Details: { GitCommit: '' } },
      ],
      Version: WHARF_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: process.version,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: kernel,
      BuildTime: '',
    };
  }

  async info(): Promise<SystemInfo> {
    const c = this.opts.counts.containers();
    return {
      ID: this.opts.engineId,
      Containers: c.total,
      ContainersRunning: c.running,
      ContainersPaused: c.paused,
      ContainersStopped: c.stopped,
      Images: this.opts.counts.images(),
      Driver: 'overlay2',
      DriverStatus: [
        ['Backing Filesystem', 'extfs'],
        ['Supports d_type', 'true'],
        ['Native Overlay Diff', 'true'],
      ],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null as unknown as string[], Log: ['json-file'] },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      OomKillDisable: this.facts.cgroupVersion === '1',
      IPv4Forwarding: true,
      Debug: this.opts.debug,
      NFd: 0,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: this.facts.cgroupVersion,
      NEventsListener: this.opts.listeners(),
      KernelVersion: os.release(),
      OperatingSystem: this.facts.operatingSystem,
      OSVersion: this.facts.osVersion,
      OSType: 'linux',
      Architecture: os.machine(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: [] },
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      DockerRootDir: this.opts.dataRoot,
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: os.hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: WHARF_VERSION,
      Runtimes: { runc: { path: 'runc' }, crun: { path: 'crun' } },
      DefaultRuntime: this.opts.runtime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null as unknown as [] },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: 'docker-init',
      SecurityOptions: ['name=seccomp,profile=default'],
      Warnings: [],
    } as SystemInfo;
  }
}

/** Go's GOARCH name for this machine (amd64, arm64, …), as docker reports it. */
export function goArch(): string {
  const a = os.arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}
