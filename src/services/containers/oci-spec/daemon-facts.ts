import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OciLinuxDevice } from '../../../core/runtime/oci-spec-types.js';
import defaultProfile from './profiles/seccomp-default.json' with { type: 'json' };
import { capabilitiesFromMask } from './capabilities.js';
import { goArch, type SeccompProfile } from './seccomp.js';
import type { DaemonFacts, RlimitPair } from './spec-input.js';

/** Docker's default seccomp profile, shipped with Wharf (profiles/seccomp-default.json). */
export const DEFAULT_SECCOMP_PROFILE = defaultProfile as SeccompProfile;

/** `/proc/self/limits` row titles → rlimit names as `--ulimit` spells them. */
const LIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'cpu',
  'Max file size': 'fsize',
  'Max data size': 'data',
  'Max stack size': 'stack',
  'Max core file size': 'core',
  'Max resident set': 'rss',
  'Max processes': 'nproc',
  'Max open files': 'nofile',
  'Max locked memory': 'memlock',
  'Max address space': 'as',
  'Max file locks': 'locks',
  'Max pending signals': 'sigpending',
  'Max msgqueue size': 'msgqueue',
  'Max nice priority': 'nice',
  'Max realtime priority': 'rtprio',
  'Max realtime timeout': 'rttime',
};

/** Parses `/proc/<pid>/limits` (Node has no getrlimit). `unlimited` becomes Infinity. */
export function parseProcLimits(text: string): Record<string, RlimitPair> {
  const out: Record<string, RlimitPair> = {};
  const num = (s: string) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = m && LIMIT_NAMES[m[1]!];
    if (name) out[name] = { soft: num(m[2]!), hard: num(m[3]!) };
  }
  return out;
}

/** Device directories Docker skips when giving a privileged container the host's devices. */
const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** The host's char and block devices under `/dev` (moby devices.HostDevices). */
export async function listHostDevices(root = '/dev'): Promise<OciLinuxDevice[]> {
  const out: OciLinuxDevice[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(p);
        continue;
      }
      if (e.name === 'console' || !(e.isCharacterDevice() || e.isBlockDevice())) continue;
      const st = await fs.stat(p, { bigint: true }).catch(() => undefined);
      if (!st) continue;
      const rdev = st.rdev;
      const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
      const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
      out.push({
        path: p,
        type: e.isCharacterDevice() ? 'c' : 'b',
        major,
        minor,
        fileMode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
      });
    }
  };
  await walk(root);
  return out;
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/** A static init for `--init`: Docker's docker-init name first, then Debian's tini-static. */
export async function findInitBinary(
  candidates = ['/usr/bin/docker-init', '/usr/libexec/docker/docker-init', '/usr/bin/tini-static'],
): Promise<string | undefined> {
  for (const c of candidates) if (await exists(c)) return c;
  return undefined;
}

export interface DaemonFactsOptions {
  /** Parent cgroup of all containers, default `/wharf`. */
  cgroupParent?: string;
  /** A seccomp profile file to use instead of Docker's default (dockerd --seccomp-profile). */
  seccompProfilePath?: string;
}

/** Reads what the spec generator needs to know about this daemon and host (see {@link DaemonFacts}). */
export async function readDaemonFacts(o: DaemonFactsOptions = {}): Promise<DaemonFacts> {
  const status = await fs.readFile('/proc/self/status', 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];
  const [major = 0, minor = 0] = os.release().split(/[.-]/).map((x) => Number.parseInt(x, 10));
  const profile = o.seccompProfilePath
    ? (JSON.parse(await fs.readFile(o.seccompProfilePath, 'utf8')) as SeccompProfile)
    : DEFAULT_SECCOMP_PROFILE;
  const facts: DaemonFacts = {
    capabilities: capabilitiesFromMask(field('CapBnd') ?? '0'),
    rlimits: parseProcLimits(await fs.readFile('/proc/self/limits', 'utf8')),
    cgroupParent: o.cgroupParent ?? '/wharf',
    seccompProfile: profile,
    arch: goArch(),
    kernel: [major, minor],
    ncpu: os.availableParallelism(),
    cpusetCpus: field('Cpus_allowed_list') ?? `0-${os.availableParallelism() - 1}`,
    swapLimit: await exists('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
    hostDevices: await listHostDevices(),
    hostname: os.hostname(),
  };
  const init = await findInitBinary();
  if (init) facts.initPath = init;
  return facts;
}
