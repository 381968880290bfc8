/**
 * The plan of a native exec: the exec's OCI process and the container's runtime config, resolved
 * into the plain values wharf-shim applies itself (`--native-exec`, native/shim/native-exec.c)
 * instead of running `runc exec` — two Go start-ups, 57–84 ms of every `docker exec` here.
 *
 * Only what the shim implements is planned; anything else (a user namespace, an SELinux label, a
 * seccomp notify listener, a name we cannot map) yields no plan, and the exec goes through the
 * runtime as before. Format: NUL-terminated key and value strings (docs/shim-protocol.md).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { OciProcess, OciSeccomp, OciSpec } from '../../../core/runtime/oci-spec-types.js';
import type { RuncInitState } from '../../../plugins/runtime/runc-state.js';
import { ALL_CAPABILITIES } from '../oci-spec/capabilities.js';
import { parsePasswd } from '../oci-spec/user.js';

/** Why a plan could not be made (the exec then runs through the runtime). */
export class NoNativePlan extends Error {}

const NAMESPACE_FLAGS: Record<string, number> = {
  mount: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  pid: 0x20000000,
  network: 0x40000000,
};

const RLIMITS = [
  'RLIMIT_CPU',
  'RLIMIT_FSIZE',
  'RLIMIT_DATA',
  'RLIMIT_STACK',
  'RLIMIT_CORE',
  'RLIMIT_RSS',
  'RLIMIT_NPROC',
  'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK',
  'RLIMIT_AS',
  'RLIMIT_LOCKS',
  'RLIMIT_SIGPENDING',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
];

const SECCOMP_ACTIONS = new Set([
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_LOG',
]);
const SECCOMP_OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);

/** What a plan is made of. */
export interface NativeExecInput {
  containerId: string;
  /** The exec's process (buildExecProcess). */
  process: OciProcess;
  /** The container's runtime config (its bundle's config.json). */
  spec: OciSpec;
  /** runc's record of the container's init. */
  init: RuncInitState;
  /** The container's /etc/passwd (for HOME, as runc sets it), if it has one. */
  passwd?: string;
  /**
   * Where the shim may keep the compiled seccomp filter for the container's next execs (its
   * state dir): compiling Docker's profile is ~10 ms of every exec otherwise.
   */
  seccompCacheDir?: string;
}

/** Bumped when the shim's filter compilation changes, so that no older cached filter is used. */
const FILTER_FORMAT = 'wharf-seccomp-1';

function capMask(names: readonly string[] | undefined): string {
  let mask = 0n;
  for (const name of names ?? []) {
    const bit = ALL_CAPABILITIES.indexOf(name);
    if (bit < 0) throw new NoNativePlan(`unknown capability ${name}`);
    mask |= 1n << BigInt(bit);
  }
  return mask.toString(16);
}

const integer = (n: number | undefined, what: string): string => {
  if (n === undefined) return '0';
  if (!Number.isSafeInteger(n) || n < 0) throw new NoNativePlan(`${what} ${n} is not a plain integer`);
  return String(n);
};

function seccompRecords(sc: OciSeccomp): [string, string][] {
  if (sc.listenerPath) throw new NoNativePlan('seccomp notify listener');
  const action = (name: string, errno: number | undefined) => {
    if (!SECCOMP_ACTIONS.has(name)) throw new NoNativePlan(`seccomp action ${name}`);
    return `${name} ${errno ?? -1}`;
  };
  const out: [string, string][] = [['seccomp.default', action(sc.defaultAction, sc.defaultErrnoRet)]];
  for (const a of sc.architectures ?? []) out.push(['seccomp.arch', a]);
  for (const f of sc.flags ?? []) out.push(['seccomp.flag', f]);
  for (const call of sc.syscalls ?? []) {
    const conditions = (call.args ?? []).map((a) => {
      if (!SECCOMP_OPS.has(a.op)) throw new NoNativePlan(`seccomp operator ${a.op}`);
      return ` ${integer(a.index, 'seccomp argument index')} ${a.op} ${integer(a.value, 'seccomp value')} ${integer(a.valueTwo, 'seccomp value')}`;
    });
    for (const name of call.names) {
      if (!/^[a-z0-9_]+$/.test(name)) throw new NoNativePlan(`seccomp syscall name ${name}`);
      out.push(['seccomp.rule', `${action(call.action, call.errnoRet)} ${name}${conditions.join('')}`]);
    }
  }
  return out;
}

/**
 * The environment as runc hands it to the process: one entry per name (the last value wins,
 * in the place of the first), and HOME from the user's passwd entry (else `/`) when unset.
 */
function processEnv(env: readonly string[], uid: number, passwd: string | undefined): string[] {
  const byName = new Map<string, string>();
  for (const pair of env) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new NoNativePlan('an environment entry without a name'); // runc words the error
    byName.set(pair.slice(0, eq), pair);
  }
  if (!byName.get('HOME')?.slice(5)) {
    const home = parsePasswd(passwd ?? '').find((e) => e.uid === uid)?.home || '/';
    byName.set('HOME', `HOME=${home}`);
  }
  return [...byName.values()];
}

/** The plan's records, in the order the shim reads them; throws NoNativePlan. */
export function nativeExecRecords(input: NativeExecInput): [string, string][] {
  const { process: proc, spec, init } = input;
  if (proc.selinuxLabel) throw new NoNativePlan('SELinux label');
  let ns = 0;
  for (const n of spec.linux?.namespaces ?? []) {
    const flag = NAMESPACE_FLAGS[n.type];
    if (flag === undefined) throw new NoNativePlan(`${n.type} namespace`);
    ns |= flag;
  }
  // The container's root is its mount namespace's: without one the shim would stay in the host's.
  if (!(ns & NAMESPACE_FLAGS.mount!)) throw new NoNativePlan('no mount namespace');
  const r: [string, string][] = [
    ['pid', String(init.pid)],
    ['start', init.start],
    ['ns', String(ns)],
  ];
  for (const dir of init.cgroupPaths) r.push(['cgroup', dir]);
  for (const a of proc.args) r.push(['arg', a]);
  for (const e of processEnv(proc.env ?? [], proc.user.uid, input.passwd)) r.push(['env', e]);
  r.push(['cwd', proc.cwd], ['uid', integer(proc.user.uid, 'uid')], ['gid', integer(proc.user.gid, 'gid')]);
  for (const g of proc.user.additionalGids ?? []) r.push(['group', integer(g, 'gid')]);
  const caps = proc.capabilities ?? {};
  for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) {
    r.push([`cap.${set}`, capMask(caps[set])]);
  }
  r.push(['nnp', proc.noNewPrivileges ? '1' : '0']);
  if (proc.oomScoreAdj !== undefined) r.push(['oom', String(proc.oomScoreAdj)]);
  for (const l of proc.rlimits ?? []) {
    const res = RLIMITS.indexOf(l.type);
    if (res < 0) throw new NoNativePlan(`rlimit ${l.type}`);
    r.push(['rlimit', `${res} ${integer(l.soft, 'rlimit')} ${integer(l.hard, 'rlimit')}`]);
  }
  if (proc.apparmorProfile) r.push(['apparmor', proc.apparmorProfile]);
  // runc joins a session keyring of the container's own (`_ses.<id>`), not the daemon's.
  r.push(['keyring', `_ses.${input.containerId}`]);
  if (spec.linux?.seccomp) {
    const sc = seccompRecords(spec.linux.seccomp);
    r.push(...sc);
    if (input.seccompCacheDir) {
      // Named by what it is compiled from: a different profile never reads another's filter.
      const hash = createHash('sha256').update(FILTER_FORMAT).update(JSON.stringify(sc)).digest('hex').slice(0, 32);
      r.push(['seccomp.cache', path.join(input.seccompCacheDir, `seccomp-${hash}.bpf`)]);
    }
  }
  return r;
}

/** Encodes records as the shim reads them; a NUL inside a value cannot be encoded. */
export function encodePlan(records: readonly [string, string][]): Buffer {
  const parts: string[] = [];
  for (const [k, v] of records) {
    if (v.includes('\0')) throw new NoNativePlan(`a NUL byte in ${k}`);
    parts.push(k, v);
  }
  return Buffer.from(`${parts.join('\0')}\0`);
}
