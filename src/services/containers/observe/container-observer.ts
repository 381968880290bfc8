/**
 * `docker top` and `docker stats` behind one object, in the shape of the routes' backend
 * (src/server/routes/container-fs.ts). Reads cgroup v1 files and runs the host's `ps`.
 */
import type { ContainerTopResponse } from '../../../spec/engine/types.js';
import type { ObserveDeps } from './observe-deps.js';
import { type PreparedStats, type StatsRequest, StatsService } from './stats-service.js';
import { containerTop } from './top.js';

export class ContainerObserver {
  private readonly stats: StatsService;

  constructor(private readonly deps: ObserveDeps) {
    this.stats = new StatsService(deps);
  }

  top(idOrName: string, psArgs?: string): Promise<ContainerTopResponse> {
    return containerTop(this.deps, idOrName, psArgs);
  }

  prepareStats(idOrName: string, req: StatsRequest): PreparedStats {
    return this.stats.prepare(idOrName, req);
  }
}
