import type { EventBus } from '../core/events/events.js';
import type { Logger } from '../lib/logger.js';
import type { Route } from '../server/router.js';
import type { ObjectCounts } from '../services/system/system-service.js';
import type { DaemonConfig } from './config.js';

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
  void input;
  const routes: Route[] = [];
  const closers: Array<() => Promise<void>> = [];

  // --- images (content store, snapshotter, image store): wired by the images subsystem ---

  return {
    routes,
    counts: {
      containers: () => ({ total: 0, running: 0, paused: 0, stopped: 0 }),
      images: () => 0,
    },
    close: async () => {
      for (const c of closers.reverse()) await c();
    },
  };
}
