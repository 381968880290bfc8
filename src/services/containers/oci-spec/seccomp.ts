import type { OciSeccomp, OciSeccompArg, OciSeccompSyscall } from '../../../core/runtime/oci-spec-types.js';
import { invalidArgument } from '../../../errdefs/index.js';

/** A rule filter of the moby seccomp profile format. */
export interface SeccompFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

/** One rule of a moby seccomp profile (`names` or the legacy single `name`). */
export interface SeccompProfileSyscall {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[] | null;
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

/**
 * Docker's seccomp profile format (moby profiles/seccomp): the OCI form plus an `archMap` and
 * per-rule `includes`/`excludes` by capability, architecture and kernel version.
 */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] | null }[];
  listenerPath?: string;
  flags?: string[];
  syscalls?: SeccompProfileSyscall[];
}

/** libseccomp's native-arch names (what moby compares rules with) to SCMP_ARCH names. */
const NATIVE_TO_SCMP: Record<string, string> = {
  '386': 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mipsel64n32: 'SCMP_ARCH_MIPSEL64N32',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
  loong64: 'SCMP_ARCH_LOONGARCH64',
};

/** Go's GOARCH for Node's `process.arch`. */
export function goArch(nodeArch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le', loong64: 'loong64' };
  return map[nodeArch] ?? nodeArch;
}

function kernelAtLeast(kernel: [number, number], min: string): boolean {
  const [maj = 0, minor = 0] = min.split('.').map((x) => Number.parseInt(x, 10));
  return kernel[0] > maj || (kernel[0] === maj && kernel[1] >= minor);
}

/** The context a profile is evaluated in: the container's bounding caps and the host. */
export interface SeccompContext {
  /** The container's bounding capability set (`CAP_*`). */
  capabilities: string[];
  /** Go arch name of the host. */
  arch: string;
  kernel: [number, number];
}

/** Whether a rule applies in `ctx` (moby setupSeccomp: excludes first, then includes). */
function applies(rule: SeccompProfileSyscall, ctx: SeccompContext): boolean {
  const ex = rule.excludes;
  if (ex) {
    if (ex.arches?.includes(ctx.arch)) return false;
    if (ex.caps?.some((c) => ctx.capabilities.includes(c))) return false;
    if (ex.minKernel && kernelAtLeast(ctx.kernel, ex.minKernel)) return false;
  }
  const inc = rule.includes;
  if (inc) {
    if (inc.arches?.length && !inc.arches.includes(ctx.arch)) return false;
    if (inc.caps?.length && !inc.caps.every((c) => ctx.capabilities.includes(c))) return false;
    if (inc.minKernel && !kernelAtLeast(ctx.kernel, inc.minKernel)) return false;
  }
  return true;
}

function toOciRule(rule: SeccompProfileSyscall): OciSeccompSyscall {
  if (rule.name && rule.names?.length) {
    throw invalidArgument("the seccomp profile sets both 'name' and 'names' on one rule, use 'names'");
  }
  const out: OciSeccompSyscall = { names: rule.names?.length ? [...rule.names] : [rule.name ?? ''], action: rule.action };
  if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
  if (rule.args?.length) {
    out.args = rule.args.map((a) => {
      const arg: OciSeccompArg = { index: a.index, value: a.value, op: a.op };
      if (a.valueTwo) arg.valueTwo = a.valueTwo;
      return arg;
    });
  }
  return out;
}

/**
 * Converts a moby-format seccomp profile into the OCI `linux.seccomp` of one container, as moby's
 * setupSeccomp does: picks the native architecture's entry of `archMap` (plus its
 * sub-architectures), keeps the rules whose includes/excludes match the container's bounding
 * capabilities, the host architecture and kernel, and drops the filters.
 */
export function seccompFromProfile(profile: SeccompProfile, ctx: SeccompContext): OciSeccomp {
  if (profile.architectures?.length && profile.archMap?.length) {
    throw invalidArgument("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const out: OciSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.architectures?.length) out.architectures = [...profile.architectures];
  const native = NATIVE_TO_SCMP[ctx.arch];
  const entry = profile.archMap?.find((a) => a.architecture === native);
  if (entry) out.architectures = [entry.architecture, ...(entry.subArchitectures ?? [])];
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;
  if (profile.flags?.length) out.flags = [...profile.flags];
  out.syscalls = (profile.syscalls ?? []).filter((r) => applies(r, ctx)).map(toOciRule);
  return out;
}

/** Parses a profile given as JSON text (`--security-opt seccomp=<json>`); InvalidArgument if malformed. */
export function parseSeccompProfile(text: string): SeccompProfile {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`Decoding seccomp profile failed: ${(err as Error).message}`);
  }
  if (!p || typeof p !== 'object' || typeof (p as SeccompProfile).defaultAction !== 'string') {
    throw invalidArgument('Decoding seccomp profile failed: defaultAction is missing');
  }
  return p as SeccompProfile;
}
