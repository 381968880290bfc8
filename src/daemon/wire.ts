import os from 'node:os';
import path from 'node:path';
import type { EventBus } from '../core/events/events.js';
import { type ImageUsage, noImageUsage } from '../core/images/image-usage.js';
import type { Logger } from '../lib/logger.js';
import { lookPath } from '../lib/look-path.js';
import { FileContainerStore } from '../plugins/containers/file-container-store.js';
import { LocalContentStore } from '../plugins/content/local-content-store.js';
import { LocalImageStore } from '../plugins/images/local-image-store.js';
import { bindFreeControllersToV1 } from '../plugins/runtime/cgroups.js';
import { createOciRuntimeCli } from '../plugins/runtime/oci-runtime-cli.js';
import { defaultShimPath } from '../plugins/shim/shim-paths.js';
import { OverlaySnapshotter } from '../plugins/snapshots/overlay-snapshotter.js';
import { ensureInitLayer } from '../services/containers/filesystem/init-layer.js';
import { HealthMonitor } from '../services/containers/observe/health-monitor.js';
import type { Route } from '../server/router.js';
import { containerFsRoutes } from '../server/routes/container-fs.js';
import { containerStreamRoutes } from '../server/routes/container-streams.js';
import { containerRoutes } from '../server/routes/containers.js';
import { eventRoutes } from '../server/routes/events.js';
import { imageRoutes } from '../server/routes/images.js';
import { distributionRoutes, pullHandler } from '../server/routes/distribution.js';
import { systemDfRoutes } from '../server/routes/system-df.js';
import { ContainerFilesystem } from '../services/containers/filesystem/container-filesystem.js';
import { etcFileMounts } from '../services/containers/filesystem/container-rootfs.js';
import { archiveMounts } from '../services/containers/mounts/mount-view.js';
import { restoreVolumeRefs } from '../services/containers/mounts/register-mounts.js';
import type { RuntimeEntry } from '../services/containers/lifecycle/lifecycle-context.js';
import { LifecycleService } from '../services/containers/lifecycle/lifecycle-service.js';
import { restoreContainers } from '../services/containers/lifecycle/live-restore.js';
import { ContainerObserver } from '../services/containers/observe/container-observer.js';
import { EventFeed } from '../services/containers/observe/event-feed.js';
import { ContainerStreams } from '../services/containers/streams/container-streams.js';
import { readDaemonFacts } from '../services/containers/oci-spec/daemon-facts.js';
import { ImageService } from '../services/images/image-service.js';
import type { ObjectCounts } from '../services/system/system-service.js';
import type { DaemonConfig } from './config.js';
import { openBuilder } from './build-wiring.js';
import { openDistribution } from './distribution-wiring.js';
import { openNetworking } from './network-wiring.js';
import { LocalVolumeDriver } from '../plugins/volumes/local-volume-driver.js';
import { toWireVolumeUsage, volumeRoutes } from '../server/routes/volumes.js';
import { LocalVolumeService } from '../services/volumes/volume-service.js';
import { buildRoutes } from '../server/routes/build.js';

export interface WireInput {
  config: DaemonConfig;
  log: Logger;
  events: EventBus;
}

export interface Subsystems {
  routes: Route[];
  counts: ObjectCounts;
  close(): Promise<void>;
}

/**
 * Builds the engine's subsystems (stores, services) and their routes. One block per subsystem,
 * in dependency order; each returns its routes and a closer.
 */
export async function wireSubsystems(input: WireInput): Promise<Subsystems> {
  const routes: Route[] = [];
  const closers: Array<() => Promise<void>> = [];

  // --- images (content store, snapshotter, image store) ---
  // All under the data root, on one filesystem: layers staged in one snapshot are moved into
  // another by rename, and blobs commit by rename.
  const content = await LocalContentStore.open(path.join(input.config.dataRoot, 'content'));
  const snapshots = await OverlaySnapshotter.open(path.join(input.config.dataRoot, 'overlay'));
  const imageStore = await LocalImageStore.open(path.join(input.config.dataRoot, 'image'));
  // The containers subsystem (wired below, it needs the images) answers which containers use an image.
  let imageUsage: ImageUsage = noImageUsage;
  const usage: ImageUsage = { usersOf: (id) => imageUsage.usersOf(id) };
  const images = await ImageService.open({ store: imageStore, content, snapshots, usage, events: input.events, log: input.log });

  // --- distribution (registry client; pull, push, login, search) ---
  // Built at its first request (see distribution-wiring.ts): an idle daemon needs no registry client.
  const distribution = openDistribution(input.config, images);
  routes.push(...distributionRoutes(distribution.backend));
  closers.push(() => distribution.close());

  // --- network (default bridge, user networks, embedded DNS, published ports) ---
  // Before the containers: their starts attach to it; told about them once they exist.
  const network = await openNetworking(input.config, input.log, input.events);
  routes.push(...network.routes);
  closers.push(() => network.service.close());

  // --- volumes (local driver: `<data-root>/volumes/<name>/_data`, records beside; events) ---
  // Before the containers, which reference and mount volumes through `volumes` (the
  // VolumeService of src/core/volumes/volume.ts); reconciled with them once they are restored.
  const volumes = await LocalVolumeService.open({
    driver: await LocalVolumeDriver.open(path.join(input.config.dataRoot, 'volumes')),
    events: input.events,
    log: input.log.child({ module: 'volumes' }),
  });
  routes.push(...volumeRoutes(volumes));

  // --- containers (records, lifecycle over runc/crun and wharf-shim; stream routes) ---
  // Runtime state lives under the exec root: shim state dirs `s/`, bundles `b/`, each runtime's
  // private `--root` (never shared with another engine's runc). The shim binary is a config value:
  // WHARF_SHIM_PATH, else the one `npm run build` makes.
  const runtimes = new Map<string, RuntimeEntry>();
  for (const name of ['runc', 'crun']) {
    const root = path.join(input.config.execRoot, 'runtime', name);
    const binary = await lookPath(name);
    runtimes.set(name, { name, binary, root, runtime: createOciRuntimeCli({ binary, root }) });
  }
  // crun refuses hybrid cgroup hosts whose cgroup2 still offers a controller (see cgroups.ts).
  await bindFreeControllersToV1().catch((err) => input.log.warn('cannot move free cgroup controllers to v1; crun may fail', { err }));
  const containers = new LifecycleService({
    store: await FileContainerStore.open(path.join(input.config.dataRoot, 'containers')),
    images: { resolve: (n) => images.resolve(n), get: (id) => imageStore.get(id), readConfig: (r) => images.readConfig(r) },
    snapshots,
    // Beside the snapshots: a lower directory of container overlays like theirs.
    initLayer: await ensureInitLayer(path.join(input.config.dataRoot, 'overlay')),
    runtimes,
    defaultRuntime: input.config.runtime,
    events: input.events,
    log: input.log.child({ module: 'containers' }),
    facts: await readDaemonFacts(),
    execRoot: input.config.execRoot,
    shimPath: process.env.WHARF_SHIM_PATH || defaultShimPath(),
    network: network.service.containerNetworking,
    // Binds around the data root default to rslave (moby validateBindDaemonRoot).
    mounts: { volumes, dataRoot: input.config.dataRoot },
  });
  network.service.setContainers({
    resolve: (ref) => containers.get(ref),
    find: (ref) => containers.find(ref),
    list: () => containers.list(),
    save: (rec) => containers.ctx.store.save(rec),
    withLock: (id, fn) => containers.ctx.locks.run(id, fn),
  });
  const restartDue = await restoreContainers(containers);
  // Attach, logs and exec; healthchecks run as execs, from the containers' start events on (the
  // monitor subscribes before the restarts below can start anything).
  const streams = new ContainerStreams({ containers, events: input.events, log: input.log.child({ module: 'exec' }), nativeExec: input.config.nativeExec });
  const health = new HealthMonitor({
    containers,
    exec: (id, cmd, o) => streams.exec.runCaptured(id, cmd, o),
    events: input.events,
    log: input.log.child({ module: 'health' }),
  });
  health.watchRunning();
  // Drops references of containers gone while the daemon was down; unmounts options volumes no running container holds.
  const liveRecords = containers.list();
  await restoreVolumeRefs(volumes, liveRecords, (msg, fields) => input.log.warn(msg, fields));
  await volumes.reconcile({
    existing: new Set(liveRecords.map((r) => r.id)),
    running: new Set(liveRecords.filter((r) => ['running', 'paused', 'restarting'].includes(r.state.status)).map((r) => r.id)),
  });
  // After the containers' own restore: sandboxes of containers gone meanwhile are removed.
  await network.service.restore().catch((err) => input.log.error('reconciling container networking failed', { err }));
  restartDue();
  imageUsage = containers;
  routes.push(...containerRoutes(containers));
  routes.push(...containerStreamRoutes(streams));
  closers.push(() => containers.close());
  closers.push(async () => health.close());

  // --- container filesystem (cp, diff, export, commit), observation (top, stats) and events ---
  // Stopped containers' rootfs are mounted for a cp/export under the exec root's `cp/` (emptied
  // at start-up). A live container is frozen through its runtime during a cp (see ContainerRootfs).
  const runtimeOf = (id: string) => createOciRuntimeCli(containers.runtimeOf(id));
  const filesystem = await ContainerFilesystem.open({
    containers,
    snapshots,
    images,
    withLock: (id, fn) => containers.withFilesystemLock(id, fn),
    pause: (id) => containers.pause(id),
    unpause: (id) => containers.unpause(id),
    freeze: (id) => runtimeOf(id).pause(id),
    thaw: (id) => runtimeOf(id).resume(id),
    // /etc/hosts & co., then the user's binds and volumes (a cp into a volume's path writes into it).
    mountsOf: (rec) => [...etcFileMounts(rec), ...archiveMounts(rec)],
    scratchDir: path.join(input.config.execRoot, 'cp'),
    events: input.events,
    warn: (msg, fields) => input.log.warn(msg, fields),
  });
  const observer = new ContainerObserver({ containers, events: input.events, memTotal: BigInt(os.totalmem()) });
  routes.push(...containerFsRoutes(filesystem, observer), ...eventRoutes(new EventFeed(input.events)));

  routes.push(...imageRoutes(images, pullHandler(distribution.backend)), ...systemDfRoutes({ images: () => images.diskUsage(), containers: () => containers.diskUsage(), volumes: async () => (await volumes.usage()).map(toWireVolumeUsage) }));

  // --- builder (POST /build: classic Dockerfile builds) ---
  // Built at the first build, or now when a crashed build left something to sweep (see build-wiring.ts).
  const builder = await openBuilder({
    config: input.config,
    log: input.log,
    images: { service: images, content, snapshots },
    networking: network.service.containerNetworking,
    facts: containers.ctx.deps.facts,
    pull: (p, out) => distribution.pull(p, out),
  });
  routes.push(...buildRoutes(builder));

  return {
    routes,
    counts: {
      containers: () => containers.counts(),
      images: () => imageStore.count(),
    },
    close: async () => {
      for (const c of closers.reverse()) await c();
    },
  };
}
