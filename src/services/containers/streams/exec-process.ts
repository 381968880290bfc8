/**
 * The OCI process of an exec, derived from the container's own (its config.json in the bundle)
 * as dockerd does (daemon/exec.go + execSetPlatformOpt): the container's process with the exec's
 * args, environment, working directory and terminal; its user re-resolved against the
 * container's /etc/passwd and /etc/group when one is given; all capabilities with `--privileged`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OciProcess, OciSpec } from '../../../core/runtime/oci-spec-types.js';
import { internal } from '../../../errdefs/index.js';
import type { ContainerConfig } from '../../../spec/engine/types.js';
import { capabilitiesFromMask } from '../oci-spec/capabilities.js';
import { containerEnv, replaceOrAppendEnv } from '../oci-spec/container-config.js';
import { readUserDb, resolveUser } from '../oci-spec/user.js';
import type { ExecRecord } from './exec-store.js';

/**
 * The environment of an exec, fixed at create (moby ContainerExecCreate): the daemon's defaults
 * (PATH, HOSTNAME, TERM=xterm for an exec tty), then the container's Config.Env, then the exec's.
 */
export function execEnv(config: ContainerConfig, hostname: string, tty: boolean, env: readonly string[]): string[] {
  return replaceOrAppendEnv(containerEnv({ ...config, Tty: tty }, hostname), env);
}

let daemonCaps: string[] | undefined;

/** The daemon's bounding set: what "all capabilities" can mean here (see capabilities.ts). */
async function availableCapabilities(): Promise<string[]> {
  if (!daemonCaps) {
    const status = await fs.readFile('/proc/self/status', 'utf8');
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
    daemonCaps = m ? capabilitiesFromMask(m[1]!) : [];
  }
  return daemonCaps;
}

/** Reads the container's config.json; Internal when the bundle is gone (the container is not running). */
export async function readBundleSpec(bundleDir: string): Promise<OciSpec> {
  try {
    return JSON.parse(await fs.readFile(path.join(bundleDir, 'config.json'), 'utf8')) as OciSpec;
  } catch (err) {
    throw internal(`cannot read the container's runtime config in ${bundleDir}: ${(err as Error).message}`, { cause: err });
  }
}

/** Inputs beyond the exec record: the container's spec and bundle, and its `--group-add`. */
export interface ExecProcessInput {
  exec: ExecRecord;
  spec: OciSpec;
  bundleDir: string;
  groupAdd: readonly string[];
}

/**
 * Builds the exec's process. Throws InvalidArgument with libcontainer's wording for an unknown
 * user (`unable to find user x: no matching entries in passwd file`).
 */
export async function buildExecProcess(input: ExecProcessInput): Promise<OciProcess> {
  const { exec, spec } = input;
  const base = spec.process;
  if (!base) throw internal('the container has no process in its runtime config');
  const proc: OciProcess = {
    ...base,
    args: [exec.entrypoint, ...exec.args],
    env: [...exec.env],
    cwd: exec.workingDir || '/',
    terminal: exec.tty,
  };
  // The container's console size is not the exec's: the client sends its own resize.
  delete proc.consoleSize;
  if (exec.user) {
    const rootfs = path.resolve(input.bundleDir, spec.root?.path ?? 'rootfs');
    proc.user = resolveUser(exec.user, input.groupAdd, await readUserDb(rootfs));
  }
  const bounding = exec.privileged ? await availableCapabilities() : (base.capabilities?.bounding ?? []);
  // As for the container's own process (generate-spec.ts): a non-root user starts with empty
  // effective and permitted sets, like execve of a non-setuid program.
  proc.capabilities = proc.user.uid === 0 ? { bounding, effective: bounding, permitted: bounding } : { bounding };
  return proc;
}
