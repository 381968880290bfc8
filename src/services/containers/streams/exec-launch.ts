/**
 * What an exec's shim is given to run: a native plan (the shim joins the container itself, see
 * native-exec-plan.ts) when the container runs under runc and everything it needs can be planned,
 * else the OCI process for `runtime exec` (crun's exec is C and already fast; a plan would not
 * gain much there, and its state is not runc's).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OciProcess, OciSpec } from '../../../core/runtime/oci-spec-types.js';
import type { Logger } from '../../../lib/logger.js';
import { readRuncInitState } from '../../../plugins/runtime/runc-state.js';
import type { RuntimeHandle } from '../lifecycle/container-service.js';
import { readUserDb } from '../oci-spec/user.js';
import { encodePlan, NoNativePlan, nativeExecRecords } from './native-exec-plan.js';

export interface ExecLaunchInput {
  containerId: string;
  runtime: RuntimeHandle;
  process: OciProcess;
  spec: OciSpec;
  bundleDir: string;
  /** The exec's state dir: the file is written there. */
  stateDir: string;
  /** False: always through the runtime (wharfd --native-exec=false). */
  native: boolean;
  log?: Logger;
}

/** The spawnShim options naming the file written: `nativeExec` or `exec`. */
export type ExecLaunch = { nativeExec: string; exec?: undefined } | { exec: string; nativeExec?: undefined };

export async function writeExecLaunch(o: ExecLaunchInput): Promise<ExecLaunch> {
  if (o.native && o.runtime.name === 'runc') {
    const init = await readRuncInitState(o.runtime.root, o.containerId);
    try {
      if (!init) throw new NoNativePlan("runc's state of the container is unreadable");
      const rootfs = path.resolve(o.bundleDir, o.spec.root?.path ?? 'rootfs');
      const { passwd } = await readUserDb(rootfs);
      const plan = encodePlan(nativeExecRecords({
          containerId: o.containerId,
          process: o.process,
          spec: o.spec,
          init,
          passwd,
          // The container's shim state dir: removed with the run, so a filter lives as long as it.
          seccompCacheDir: path.dirname(o.stateDir),
        }),);
      const file = path.join(o.stateDir, 'exec.plan');
      await fs.writeFile(file, plan, { mode: 0o600 });
      return { nativeExec: file };
    } catch (err) {
      if (!(err instanceof NoNativePlan)) throw err;
      o.log?.debug('exec through the runtime', { id: o.containerId, reason: err.message });
    }
  }
  const file = path.join(o.stateDir, 'process.json');
  await fs.writeFile(file, JSON.stringify(o.process));
  return { exec: file };
}
