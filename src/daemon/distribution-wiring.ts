/**
 * The distribution block of the composition root (registry client; pull, push, login, search),
 * built at the first request that needs it. The registry client's HTTP stack (undici) is the
 * largest set of modules the daemon loads — ~8 MB of an idle daemon's ~77 MB resident — and an
 * idle daemon, or one that only runs local images, never talks to a registry. Only types are
 * imported statically here; the modules load in {@link openDistribution}'s build.
 */
import path from 'node:path';
import type { MessageSink } from '../services/distribution/progress.js';
import type { PullParams } from '../services/distribution/distribution-service.js';
import type { ImageService } from '../services/images/image-service.js';
import type { DistributionBackend } from '../server/routes/distribution.js';
import type { DaemonConfig } from './config.js';
import { lazyService } from './lazy-service.js';

export interface Distribution {
  /** What the routes (and the image routes' pull handler) call; builds the service on first use. */
  backend: DistributionBackend;
  /** The builder's base-image pulls, through the same service. */
  pull(p: PullParams, out: MessageSink): Promise<void>;
  /** Closes the registry client's connection pools if the service was ever built. */
  close(): Promise<void>;
}

/**
 * The daemon's one distribution service (one registry client: its connection pools and the
 * scheme each insecure registry answered on outlive single pulls), behind a lazy proxy. The
 * transfer limits were validated with the flags (parseDaemonArgs), so deferring the build does
 * not defer a start-up error; the metadata file under `<data-root>/distribution` is read then.
 */
export function openDistribution(config: DaemonConfig, images: ImageService): Distribution {
  const lazy = lazyService(async () => {
    const [{ RegistryClient }, { DistributionService }] = await Promise.all([
      import('../plugins/registry-client/registry-client.js'),
      import('../services/distribution/distribution-service.js'),
    ]);
    const registry = new RegistryClient({ insecureRegistries: config.insecureRegistries });
    const service = await DistributionService.open({ images, registry, root: path.join(config.dataRoot, 'distribution'), transfers: config.transfers });
    return { registry, service };
  });
  const pull = async (p: PullParams, out: MessageSink) => (await lazy.get()).service.pull(p, out);
  return {
    backend: {
      pull,
      push: async (p, out) => (await lazy.get()).service.push(p, out),
      login: async (body) => (await lazy.get()).service.login(body),
      search: async (p) => (await lazy.get()).service.search(p),
    },
    pull,
    close: async () => {
      const built = lazy.started();
      // A build that failed has no client to close.
      const d = built && (await built.catch(() => undefined));
      await d?.registry.close();
    },
  };
}
