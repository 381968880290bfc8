import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { ZERO_TIME } from '../../../core/containers/container.js';
import { conflict } from '../../../errdefs/index.js';
import type { ContainerConfig, ContainerCreateRequest, HostConfig, ContainerCreateResponse } from '../../../spec/engine/types.js';
import { validateContainerName } from '../../../plugins/containers/file-container-store.js';
import { createMountPoints } from '../mounts/create-mounts.js';
import { releaseMountPoints, validateMounts } from '../mounts/register-mounts.js';
import { mergeImageConfig } from '../oci-spec/container-config.js';
import { containerHostname } from '../oci-spec/generate-spec.js';
import { writeEtcFiles } from './etc-files.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { validateLogConfig } from './log-options.js';
import { randomName } from './names.js';
import { normalizeConfig, normalizeHostConfig } from './normalize-config.js';
import { PhaseTimer } from './phase-timer.js';
import { nowRfc3339Nano } from './status-text.js';
import { validateCreate } from './validate-create.js';

/** A 64-hex id whose 12-char short form is not all digits (moby stringid.GenerateRandomID). */
export function generateId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

/** A free random name; retries append a digit as moby does. */
function freeName(ctx: LifecycleContext): string {
  for (let retry = 0; ; retry++) {
    const n = randomName(retry);
    if (!ctx.store.find(n)) return n;
  }
}

/** The fresh state of a created container. */
function createdState(): ContainerRecord['state'] {
  return {
    status: 'created',
    pid: 0,
    exitCode: 0,
    error: '',
    oomKilled: false,
    startedAt: ZERO_TIME,
    finishedAt: ZERO_TIME,
    shimPid: 0,
  };
}

/** What create decided before anything exists on disk (see {@link createContainer}). */
interface CreatePlan {
  id: string;
  requested?: string;
  imageRef: string;
  imageId: ContainerRecord['imageId'];
  top?: string;
  hostConfig: HostConfig;
  config: ContainerConfig;
  argv: string[];
  hostname: string;
  logPath: string;
  networkingConfig: ContainerRecord['networkingConfig'];
  warnings: string[];
}

/** Validates the request (Docker's order and messages) and settles the container's config. */
async function planCreate(ctx: LifecycleContext, body: ContainerCreateRequest, name?: string): Promise<CreatePlan> {
  const { HostConfig: rawHost, NetworkingConfig: networking, ...user } = body as ContainerCreateRequest & { HostConfig?: HostConfig };
  const requested = name ? validateContainerName(name) : undefined;
  const image = ctx.deps.images.resolve(user.Image ?? '');
  // Fail fast on a taken name, before any allocation; store.add re-checks atomically.
  const holder = requested ? ctx.store.list().find((c) => c.name === requested) : undefined;
  if (holder) {
    throw conflict(
      `Conflict. The container name "/${requested}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
  }
  const h = normalizeHostConfig(rawHost, ctx.deps.defaultRuntime);
  const imageConfig = (await ctx.deps.images.readConfig(image)).config ?? undefined;
  const merged = mergeImageConfig(user as ContainerConfig, imageConfig as ContainerConfig | undefined);
  const warnings = validateCreate(merged, h, ctx.deps.facts, [...ctx.deps.runtimes.keys()]);
  // Warned as discarded: this kernel has no blkio weight, and dockerd then records 0.
  if (h.BlkioWeight) h.BlkioWeight = 0;
  validateMounts(h);
  const networkingConfig = ctx.network.prepareCreate(user as ContainerConfig, h, networking);
  const id = generateId();
  const logPath = path.join(ctx.store.dir(id), `${id}-json.log`);
  warnings.push(...validateLogConfig(h));
  const hostname = containerHostname({ id, config: merged, hostConfig: h, daemon: ctx.deps.facts });
  const config = normalizeConfig({ ...merged, Hostname: hostname, Image: user.Image ?? '' });
  return {
    id,
    requested,
    imageRef: user.Image ?? '',
    imageId: image.id,
    top: image.layers[image.layers.length - 1]?.chainID,
    hostConfig: h,
    config,
    argv: [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])],
    hostname,
    logPath,
    networkingConfig,
    warnings,
  };
}

/** The new container's record, from its plan and what create made on disk. */
function newRecord(ctx: LifecycleContext, p: CreatePlan, etc: Awaited<ReturnType<typeof writeEtcFiles>>, mountPoints: ContainerRecord['mountPoints']): ContainerRecord {
  const rec: ContainerRecord = {
    id: p.id,
    name: p.requested ?? freeName(ctx),
    created: nowRfc3339Nano(),
    image: p.imageRef,
    imageId: p.imageId,
    config: p.config,
    hostConfig: p.hostConfig,
    path: p.argv[0] ?? '',
    args: p.argv.slice(1),
    state: createdState(),
    restartCount: 0,
    hasBeenManuallyStopped: false,
    snapshotKey: p.id,
    logPath: p.logPath,
    ...etc,
    runtime: p.hostConfig.Runtime || ctx.deps.defaultRuntime,
    mountPoints,
  };
  rec.networkingConfig = p.networkingConfig;
  return rec;
}

/**
 * `POST /containers/create`: resolves the image (NotFound `No such image: X`), merges its config,
 * validates like dockerd, prepares the rootfs snapshot (key = container id, parent = the image's
 * top chainID), writes hostname/hosts/resolv.conf, persists the record and publishes `create`.
 * Anything allocated is released again when a later step fails.
 */
export async function createContainer(ctx: LifecycleContext, body: ContainerCreateRequest, name?: string): Promise<ContainerCreateResponse> {
  const t = new PhaseTimer();
  const p = await planCreate(ctx, body, name);
  const { id, hostConfig: h } = p;
  const dir = ctx.store.dir(id);
  await fs.mkdir(dir, { recursive: true, mode: 0o710 });
  t.mark('validate');
  let prepared = false;
  let mountPoints: ContainerRecord['mountPoints'];
  // The /etc files do not depend on the snapshot: written while it is prepared.
  const hostGateway = ctx.network.hostGateway();
  const etcWritten = writeEtcFiles(dir, p.hostname, h, hostGateway ? { hostGateway } : {});
  etcWritten.catch(() => undefined);
  try {
    await ctx.deps.snapshots.prepare(id, p.top, { 'wharf.container': id }, ctx.deps.initLayer ? { initLayer: ctx.deps.initLayer } : {});
    prepared = true;
    t.mark('snapshot');
    mountPoints = await createMountPoints(ctx.mountDeps, {
      id,
      config: p.config,
      hostConfig: h,
      findContainer: (ref) => ctx.store.find(ref),
      rootfsDir: ctx.rootfsDir(id),
      rootfsMounts: () => ctx.deps.snapshots.mounts(id),
    });
    const etc = await etcWritten;
    t.mark('mountPointsEtc');
    const rec = newRecord(ctx, p, etc, mountPoints);
    await ctx.store.add(rec);
    t.mark('record');
    ctx.log.debug('container created', { id: id.slice(0, 12), ...t.fields() });
    ctx.event(rec, 'create');
    return { Id: id, Warnings: p.warnings };
  } catch (err) {
    // Volumes it referenced are released; the anonymous ones it made go (moby cleanupContainer with removeVolume).
    if (mountPoints) await releaseMountPoints(ctx.mountDeps, id, mountPoints, { removeAnonymous: true }).catch(() => undefined);
    if (prepared) await ctx.deps.snapshots.remove(id).catch(() => undefined);
    await etcWritten.catch(() => undefined); // before its directory goes
    await fs.rm(ctx.bundleDir(id), { recursive: true, force: true });
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}
