import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { ZERO_TIME } from '../../../core/containers/container.js';
import type { ContainerInspectResponse } from '../../../spec/engine/types.js';
import { directorySize } from './disk-size.js';
import { healthView } from './health-state.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { isRunning } from './status-text.js';
import { mountsView } from '../mounts/mount-view.js';

/** inspect's State (moby container.State JSON). */
export function stateView(rec: ContainerRecord): Record<string, unknown> {
  const s = rec.state;
  return {
    Status: s.status,
    Running: isRunning(s),
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
    ...(s.health ? { Health: healthView(s.health) } : {}),
  };
}

/** overlay2's GraphDriver data: the image layers (top first), the rw layer, and the bundle's mount point. */
async function graphDriver(ctx: LifecycleContext, rec: ContainerRecord): Promise<Record<string, unknown>> {
  const data: Record<string, string> = {};
  try {
    const lowers = await ctx.deps.snapshots.lowerDirs(rec.snapshotKey);
    const upper = ctx.deps.snapshots.writableDir(rec.snapshotKey);
    if (lowers.length) data.LowerDir = lowers.join(':');
    data.MergedDir = ctx.rootfsDir(rec.id);
    data.UpperDir = upper;
    data.WorkDir = path.join(path.dirname(upper), 'work');
  } catch {
    // The snapshot is gone (a removal in progress): Docker shows empty data too.
  }
  return { Data: data, Name: 'overlay2' };
}

/** SizeRw (the rw layer's files) and SizeRootFs (plus the image's layers), as `size=1` reports. */
export async function containerSizes(ctx: LifecycleContext, rec: ContainerRecord): Promise<{ SizeRw: number; SizeRootFs: number }> {
  let rw = 0;
  try {
    rw = await directorySize(ctx.deps.snapshots.writableDir(rec.snapshotKey));
  } catch {
    rw = 0;
  }
  return { SizeRw: rw, SizeRootFs: rw + (ctx.deps.images.get(rec.imageId)?.size ?? 0) };
}

/**
 * `GET /containers/{id}/json`, field for field as dockerd 20.10 writes it. The /etc file and log
 * paths show once a start was attempted, as in Docker (which sets them up at start).
 */
export async function inspectContainer(ctx: LifecycleContext, rec: ContainerRecord, size: boolean): Promise<ContainerInspectResponse> {
  const s = rec.state;
  const attempted = s.startedAt !== ZERO_TIME || s.error !== '' || s.exitCode !== 0;
  const execIds = ctx.execIds(rec.id);
  const out: Record<string, unknown> = {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: stateView(rec),
    Image: rec.imageId,
    ResolvConfPath: attempted ? rec.resolvConfPath : '',
    HostnamePath: attempted ? rec.hostnamePath : '',
    HostsPath: attempted ? rec.hostsPath : '',
    LogPath: attempted && rec.hostConfig.LogConfig?.Type !== 'none' ? rec.logPath : '',
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: rec.hostConfig,
    GraphDriver: await graphDriver(ctx, rec),
  };
  if (size) Object.assign(out, await containerSizes(ctx, rec));
  out.Mounts = mountsView(rec);
  out.Config = rec.config;
  out.NetworkSettings = ctx.network.inspectSettings(rec);
  return out as ContainerInspectResponse;
}
