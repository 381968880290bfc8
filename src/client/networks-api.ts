/** The network endpoints of the Engine API (create, list, inspect, remove, prune, connect, disconnect). */
import type { EndpointSettings, Network } from '../spec/engine/types.js';
import { type ApiCaller, filtersParam, pathName } from './api-caller.js';
import { jsonBody } from './containers-api.js';

/** `POST /networks/create` body, as the docker CLI sends it. */
export interface NetworkCreateOptions {
  Name: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Options?: Record<string, string>; Config?: Array<{ Subnet?: string; IPRange?: string; Gateway?: string }> };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

export class NetworksApi {
  constructor(private readonly api: ApiCaller) {}

  /** `POST /networks/create`: the new network's id (and a warning, usually empty). */
  create(opts: NetworkCreateOptions): Promise<{ Id: string; Warning?: string }> {
    return this.api.callJSON('POST', '/networks/create', jsonBody(opts));
  }

  /** `GET /networks`. */
  list(filters?: Record<string, string[]>): Promise<Network[]> {
    return this.api.callJSON('GET', '/networks', { query: { filters: filtersParam(filters) } });
  }

  /** `GET /networks/{id}`. */
  inspect(id: string): Promise<Network> {
    return this.api.callJSON('GET', `/networks/${pathName(id)}`);
  }

  /** `DELETE /networks/{id}`. */
  remove(id: string): Promise<void> {
    return this.api.callNoContent('DELETE', `/networks/${pathName(id)}`);
  }

  /** `POST /networks/prune`. */
  prune(filters?: Record<string, string[]>): Promise<{ NetworksDeleted: string[] | null }> {
    return this.api.callJSON('POST', '/networks/prune', { query: { filters: filtersParam(filters) } });
  }

  /** `POST /networks/{id}/connect`. */
  connect(id: string, container: string, config?: EndpointSettings): Promise<void> {
    return this.api.callNoContent('POST', `/networks/${pathName(id)}/connect`, jsonBody({ Container: container, EndpointConfig: config ?? null }));
  }

  /** `POST /networks/{id}/disconnect`. */
  disconnect(id: string, container: string, force = false): Promise<void> {
    return this.api.callNoContent('POST', `/networks/${pathName(id)}/disconnect`, jsonBody({ Container: container, Force: force }));
  }
}
