import { invalidArgument } from '../../../errdefs/index.js';
import type { ContainerConfig, HostConfig } from '../../../spec/engine/types.js';
import { resolveResources } from '../oci-spec/resources.js';
import type { DaemonFacts } from '../oci-spec/spec-input.js';
import { parseSignal } from './signals.js';

/** Restart policies Docker knows (`--restart`). */
export type RestartPolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';

/** moby validateRestartPolicy, with its messages. */
export function validateRestartPolicy(h: HostConfig): void {
  const p = h.RestartPolicy ?? {};
  const name = p.Name ?? '';
  const max = p.MaximumRetryCount ?? 0;
  switch (name) {
    case 'always':
    case 'unless-stopped':
    case 'no':
      if (max !== 0) throw invalidArgument(`maximum retry count cannot be used with restart policy '${name}'`);
      break;
    case 'on-failure':
      if (max < 0) throw invalidArgument('maximum retry count cannot be negative');
      break;
    case '':
      break;
    default:
      throw invalidArgument(`invalid restart policy '${name}'`);
  }
  if (h.AutoRemove && name !== '' && name !== 'no') {
    throw invalidArgument("can't create 'AutoRemove' container with restart policy");
  }
}

/**
 * Checks a create request the way dockerd's verifyContainerSettings does, before anything is
 * allocated: restart policy, stop signal and timeout, runtime name, resources (memory ≥ 6 MB,
 * CPUs in range, cpuset, swap…; through the spec generator's own validation so the two never
 * disagree). Networking is checked by the network subsystem (ctx.network.prepareCreate).
 * Returns the warnings create reports.
 */
export function validateCreate(c: ContainerConfig, h: HostConfig, facts: DaemonFacts, runtimes: readonly string[]): string[] {
  validateRestartPolicy(h);
  if (c.StopSignal) parseSignal(c.StopSignal);
  if (c.StopTimeout !== undefined && c.StopTimeout !== null && c.StopTimeout < -1) {
    throw invalidArgument(`invalid stop timeout: ${c.StopTimeout}`);
  }
  if (h.Runtime && !runtimes.includes(h.Runtime)) throw invalidArgument(`Unknown runtime specified ${h.Runtime}`);
  if ((h.OomScoreAdj ?? 0) < -1000 || (h.OomScoreAdj ?? 0) > 1000) {
    throw invalidArgument(`Invalid value ${h.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
  return resolveResources(h, facts).warnings;
}
