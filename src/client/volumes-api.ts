/** The volume endpoints of the Engine API (create, list, inspect, remove, prune). */
import type { Volume, VolumeCreateOptions, VolumeListResponse, VolumePruneResponse } from '../spec/engine/types.js';
import { type ApiCaller, filtersParam, pathName } from './api-caller.js';
import { jsonBody } from './containers-api.js';

export class VolumesApi {
  constructor(private readonly api: ApiCaller) {}

  /** `POST /volumes/create`: the volume (an existing one of that name is returned as is). */
  create(opts: VolumeCreateOptions): Promise<Volume> {
    return this.api.callJSON('POST', '/volumes/create', jsonBody(opts));
  }

  /** `GET /volumes`. */
  list(filters?: Record<string, string[]>): Promise<VolumeListResponse> {
    return this.api.callJSON('GET', '/volumes', { query: { filters: filtersParam(filters) } });
  }

  /** `GET /volumes/{name}`. */
  inspect(name: string): Promise<Volume> {
    return this.api.callJSON('GET', `/volumes/${pathName(name)}`);
  }

  /** `DELETE /volumes/{name}` (`force`: a missing volume is no error). */
  remove(name: string, force = false): Promise<void> {
    return this.api.callNoContent('DELETE', `/volumes/${pathName(name)}`, { query: { force: force || undefined } });
  }

  /** `POST /volumes/prune`. */
  prune(filters?: Record<string, string[]>): Promise<VolumePruneResponse> {
    return this.api.callJSON('POST', '/volumes/prune', { query: { filters: filtersParam(filters) } });
  }
}
