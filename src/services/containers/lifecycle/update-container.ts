import type { ContainerRecord } from '../../../core/containers/container.js';
import type { OciLinuxResources } from '../../../core/runtime/oci-spec-types.js';
import { conflict, toWharfError, WharfError } from '../../../errdefs/index.js';
import type { ContainerUpdateRequest, HostConfig } from '../../../spec/engine/types.js';
import { runtimeErrorDetail } from '../../../plugins/runtime/runtime-errors.js';
import { validateResourceUpdate } from '../oci-spec/resources.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { validateRestartPolicy } from './validate-create.js';

/** `POST /containers/{id}/update`'s body: resources and a restart policy (HostConfig's names). */
export type ContainerUpdate = ContainerUpdateRequest;

/**
 * The update checked alone, before the container is looked up (dockerd's verifyContainerSettings
 * for an update): restart policy, resources. Returns its warnings.
 */
export function validateUpdate(ctx: LifecycleContext, u: ContainerUpdate): string[] {
  validateRestartPolicy({ RestartPolicy: u.RestartPolicy });
  return validateResourceUpdate(u, ctx.deps.facts);
}

/**
 * `docker update` of a container (caller holds its lock; validateUpdate passed): the new values
 * merged into its HostConfig as dockerd's UpdateContainer merges them (a zero leaves a value as
 * it is; NanoCPUs and CPU period/quota exclude each other; a memory limit above the swap limit
 * needs the swap limit too), saved, `update` published, and applied to the cgroups of a running
 * (or paused) container through the runtime. Errors read `Cannot update container <id>: …`; a
 * runtime that refuses the values leaves the HostConfig as it was.
 */
export async function updateContainer(ctx: LifecycleContext, rec: ContainerRecord, u: ContainerUpdate): Promise<void> {
  // dockerd's errCannotUpdate: the cause's kind, its message behind the container's id.
  const cannot = (err: WharfError) => new WharfError(err.kind, `Cannot update container ${rec.id}: ${err.message}`, { cause: err });
  if (rec.state.status === 'removing' || rec.state.status === 'dead') {
    throw cannot(conflict('container is marked for removal and cannot be "update"'));
  }
  const backup = rec.hostConfig;
  try {
    rec.hostConfig = merged(rec.hostConfig, u);
  } catch (err) {
    throw cannot(toWharfError(err));
  }
  await ctx.store.save(rec);
  ctx.event(rec, 'update');
  // Stopped or restarting: the new values take effect at the next start (from the HostConfig).
  if (rec.state.status !== 'running' && rec.state.status !== 'paused') return;
  const rt = ctx.runtimeOf(rec);
  try {
    await rt.runtime.update(rec.id, runtimeResources(u));
  } catch (err) {
    rec.hostConfig = backup;
    await ctx.store.save(rec);
    // As containerd words a runtime that refused (runc and crun exit 1 on any error).
    const detail = runtimeErrorDetail(err);
    const message = detail ? `${rt.name} did not terminate successfully: exit status 1: ${detail.runtimeMessage}\n: unknown` : (err as Error).message;
    throw cannot(new WharfError('Internal', message, { cause: err }));
  }
}

/** moby Container.UpdateContainer: the update over the container's HostConfig. */
function merged(h: HostConfig, u: ContainerUpdate): HostConfig {
  const clash = (m: string) => conflict(`Conflicting options: ${m}`);
  if ((u.NanoCpus ?? 0) > 0 && (h.CpuPeriod ?? 0) > 0) throw clash('Nano CPUs cannot be updated as CPU Period has already been set');
  if ((u.NanoCpus ?? 0) > 0 && (h.CpuQuota ?? 0) > 0) throw clash('Nano CPUs cannot be updated as CPU Quota has already been set');
  if ((u.CpuPeriod ?? 0) > 0 && (h.NanoCpus ?? 0) > 0) throw clash('CPU Period cannot be updated as NanoCPUs has already been set');
  if ((u.CpuQuota ?? 0) > 0 && (h.NanoCpus ?? 0) > 0) throw clash('CPU Quota cannot be updated as NanoCPUs has already been set');
  const next: HostConfig = { ...h };
  // BlkioWeight is not merged: this kernel has no blkio weight, and dockerd discards it (warned).
  for (const k of ['CpuShares', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'MemorySwap', 'MemoryReservation', 'KernelMemory', 'CpuRealtimePeriod', 'CpuRealtimeRuntime'] as const) {
    if (u[k]) next[k] = u[k];
  }
  if (u.CpusetCpus) next.CpusetCpus = u.CpusetCpus;
  if (u.CpusetMems) next.CpusetMems = u.CpusetMems;
  if (u.Memory) {
    if (u.Memory > (h.MemorySwap ?? 0) && !u.MemorySwap) {
      throw conflict('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    next.Memory = u.Memory;
  }
  // 0 and any negative value mean unlimited, recorded as 0 (dockerd's update route).
  if (u.PidsLimit !== undefined && u.PidsLimit !== null) next.PidsLimit = Math.max(0, u.PidsLimit);
  if (u.RestartPolicy?.Name) {
    if (h.AutoRemove && u.RestartPolicy.Name !== 'no') throw conflict('Restart policy cannot be updated because AutoRemove is enabled for the container');
    next.RestartPolicy = u.RestartPolicy;
  }
  return next;
}

/**
 * The cgroup values of an update (moby toContainerdResources): only what the update sets — the
 * runtime leaves a zero as it is — with `--cpus` as a quota over a 100 ms period and a pids limit
 * ≤ 0 as unlimited (-1). The block I/O weight is left out: this kernel has no blkio weight, and
 * the update already warned that it is discarded.
 */
export function runtimeResources(u: ContainerUpdate): OciLinuxResources {
  let period = 0;
  let quota = 0;
  if (u.NanoCpus) {
    period = 100_000;
    quota = Math.floor((u.NanoCpus * period) / 1e9);
  }
  if (quota === 0 && u.CpuQuota) quota = u.CpuQuota;
  if (period === 0 && u.CpuPeriod) period = u.CpuPeriod;
  const r: OciLinuxResources = {
    cpu: { shares: u.CpuShares ?? 0, cpus: u.CpusetCpus ?? '', mems: u.CpusetMems ?? '', period, quota },
    memory: { limit: u.Memory ?? 0, reservation: u.MemoryReservation ?? 0, kernel: u.KernelMemory ?? 0 },
  };
  if ((u.MemorySwap ?? 0) > 0 && r.memory) r.memory.swap = u.MemorySwap;
  if (u.PidsLimit !== undefined && u.PidsLimit !== null) r.pids = { limit: u.PidsLimit <= 0 ? -1 : u.PidsLimit };
  return r;
}
