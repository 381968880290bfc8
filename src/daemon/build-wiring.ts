/**
 * The builder block of the composition root (POST /build: classic Dockerfile builds), built at
 * the first build. Its modules (parser, evaluator, context readers, cache) are ~3 MB of an idle
 * daemon's resident memory; a daemon that never builds never loads them. Only types are imported
 * statically, plus the snapshot prefix of the leftover check (a module start-up loads anyway).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BuildServiceDeps } from '../builder/build-service.js';
import { BUILD_SNAPSHOT_PREFIX } from '../builder/image/layer-workspace.js';
import type { OciRunnerDeps } from '../builder/evaluator/oci-runner.js';
import type { Snapshotter } from '../core/snapshots/snapshotter.js';
import type { Logger } from '../lib/logger.js';
import { createOciRuntimeCli } from '../plugins/runtime/oci-runtime-cli.js';
import type { BuildBackend } from '../server/routes/build.js';
import type { DaemonConfig } from './config.js';
import { lazyService } from './lazy-service.js';

export interface BuilderInput {
  config: DaemonConfig;
  log: Logger;
  images: BuildServiceDeps['images'];
  networking: OciRunnerDeps['networking'];
  facts: OciRunnerDeps['facts'];
  pull: BuildServiceDeps['pull'];
}

/**
 * The build service behind a lazy proxy. RUN steps run in foreground OCI containers of the
 * default runtime, specs from the same generator as `run`, under a runtime state root of their
 * own; step images go through the image service. BuildService.open sweeps what a crashed build
 * left (RUN containers, step mounts and snapshots, the scratch dir): when a look finds any such
 * leftover, the service is built — and the sweep done — now, at start-up, as before; otherwise
 * the first build's open sweeps an empty scratch dir.
 */
export async function openBuilder(input: BuilderInput): Promise<BuildBackend> {
  const scratchDir = path.join(input.config.execRoot, 'build');
  const runtimeRoot = path.join(input.config.execRoot, 'build-runtime');
  const lazy = lazyService(async () => {
    const [{ BuildService }, { OciRunner }] = await Promise.all([import('../builder/build-service.js'), import('../builder/evaluator/oci-runner.js')]);
    return BuildService.open({
      images: input.images,
      runner: new OciRunner({
        runtime: createOciRuntimeCli({ binary: input.config.runtime, root: runtimeRoot }),
        runtimeName: input.config.runtime,
        networking: input.networking,
        facts: input.facts,
        bundlesDir: path.join(scratchDir, 'bundles'),
      }),
      scratchDir,
      log: input.log.child({ module: 'builder' }),
      pull: input.pull,
    });
  });
  if (await hasLeftovers(scratchDir, runtimeRoot, input.images.snapshots)) await lazy.get();
  return { build: async (req, body, out, signal) => (await lazy.get()).build(req, body, out, signal) };
}

/** Whether a previous run left anything for the builder's start-up sweep. */
async function hasLeftovers(scratchDir: string, runtimeRoot: string, snapshots: Snapshotter): Promise<boolean> {
  // runc keeps one directory per container under its --root; the scratch dir holds contexts,
  // step mounts and bundles. A missing directory has nothing in it.
  for (const dir of [scratchDir, runtimeRoot]) {
    // Another error: the sweep (which reads them too) is left to report it, as before.
    const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : [dir]));
    if (names.length > 0) return true;
  }
  return (await snapshots.list()).some((s) => s.key.startsWith(BUILD_SNAPSHOT_PREFIX));
}
