/**
 * Networking with Docker's semantics and no HTTP: the predefined networks and user-defined
 * bridge networks (create, list, inspect, remove, prune, connect, disconnect), each user
 * network's embedded DNS, and — through {@link containerNetworking} — every container's sandbox.
 * Built by the daemon with a driver, stores and the proxy and DNS factories (plugins).
 */
import type { ContainerNetworking } from '../../core/network/container-networking.js';
import type { NetworkRecord } from '../../core/network/network.js';
import { forbidden } from '../../errdefs/index.js';
import type { EndpointSettings } from '../../spec/engine/types.js';
import { ContainerNetworkingService } from './container-networking.js';
import { zoneFor } from './dns-zone.js';
import { bootstrapNetworks, type DefaultBridgeConfig } from './network-bootstrap.js';
import { connectContainer, disconnectContainer } from './network-connect.js';
import { buildNetworkRecord, type NetworkCreateRequest } from './network-create.js';
import { filterNetworks, pruneFilter } from './network-filters.js';
import { restoreSandboxes } from './network-restore.js';
import { type ContainerDirectory, NetworkState, type NetworkServiceDeps } from './network-state.js';
import { networkView } from './network-views.js';

/** RFC 3339 with nanoseconds, as Docker's `Created`. */
function nowNano(): string {
  const ns = process.hrtime.bigint() % 1_000_000n;
  return new Date().toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(ns).padStart(6, '0')}Z`);
}

export class NetworkService {
  readonly state: NetworkState;
  readonly containerNetworking: ContainerNetworking;
  /** Creates and removals one at a time: names and automatic subnets are checked then taken. */
  private serial: Promise<unknown> = Promise.resolve();

  private constructor(deps: NetworkServiceDeps) {
    this.state = new NetworkState(deps);
    this.containerNetworking = new ContainerNetworkingService(this.state);
  }

  /** Loads the networks, brings their bridges up and starts the embedded DNS servers. */
  static async open(deps: NetworkServiceDeps, bridge: DefaultBridgeConfig): Promise<NetworkService> {
    const svc = new NetworkService(deps);
    await svc.state.refreshUpstreams();
    await bootstrapNetworks(svc.state, bridge, nowNano);
    for (const net of svc.state.networks.values()) {
      if (net.kind !== 'custom') continue;
      await deps.driver.ensureNetwork(net);
      await svc.startDns(net);
    }
    await svc.state.applyFirewall();
    return svc;
  }

  /** Wires the containers subsystem in (it is built after networking). */
  setContainers(dir: ContainerDirectory): void {
    this.state.containers = dir;
  }

  /** Reconciles sandboxes with the restored containers (see network-restore.ts). */
  restore(): Promise<void> {
    return restoreSandboxes(this.state);
  }

  private async startDns(net: NetworkRecord): Promise<void> {
    if (!net.bridge || this.state.dns.has(net.id)) return;
    try {
      const zone = zoneFor(this.state, net, () => this.state.upstreams);
      this.state.dns.set(net.id, await this.state.deps.startDns(net.bridge.gateway, zone));
    } catch (err) {
      this.state.log.warn('embedded DNS cannot listen; containers on this network will not resolve each other', { network: net.name, err });
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** `POST /networks/create`. */
  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    return this.exclusive(async () => {
      const bridges = [...this.state.networks.values()].flatMap((n) => (n.bridge ? [n.bridge.name] : []));
      const net = buildNetworkRecord(req, {
        existing: [...this.state.networks.values()],
        hostTaken: req.IPAM?.Config?.length ? [] : await this.state.deps.hostTaken(bridges),
        poolStart: this.state.deps.poolStart,
        created: nowNano(),
      });
      try {
        await this.state.deps.driver.ensureNetwork(net);
        await this.state.deps.store.save(net);
      } catch (err) {
        await this.state.deps.driver.removeNetwork(net).catch(() => undefined);
        throw err;
      }
      this.state.track(net);
      await this.startDns(net);
      await this.state.applyFirewall();
      this.state.event(net, 'create');
      return { Id: net.id, Warning: '' };
    });
  }

  /** `GET /networks` (Containers left empty, as dockerd's list). */
  list(filters: Map<string, string[]>): Record<string, unknown>[] {
    const nets = filterNetworks(this.state, [...this.state.networks.values()], filters);
    return nets.sort((a, b) => a.created.localeCompare(b.created)).map((n) => networkView(this.state, n, false));
  }

  /** `GET /networks/{id}`. */
  inspect(ref: string): Record<string, unknown> {
    return networkView(this.state, this.state.find(ref), true);
  }

  /** `DELETE /networks/{id}`: Forbidden for the predefined networks and while containers are attached. */
  remove(ref: string): Promise<void> {
    return this.exclusive(async () => {
      const net = this.state.find(ref);
      if (net.kind !== 'custom') throw forbidden(`${net.name} is a pre-defined network and cannot be removed`);
      await this.state.settled();
      if (this.state.endpointsOn(net.id).length) {
        throw forbidden(`error while removing network: network ${net.name} id ${net.id} has active endpoints`);
      }
      await this.destroy(net);
    });
  }

  private async destroy(net: NetworkRecord): Promise<void> {
    // Out of memory first: a start that looks the network up from now on gets NotFound.
    this.state.untrack(net.id);
    const dns = this.state.dns.get(net.id);
    this.state.dns.delete(net.id);
    await dns?.close();
    await this.state.deps.driver.removeNetwork(net);
    await this.state.deps.store.remove(net.id);
    await this.state.applyFirewall();
    this.state.event(net, 'destroy');
  }

  /** `POST /networks/prune`: user networks without endpoints (filters `until`, `label`). */
  prune(filters: Map<string, string[]>): Promise<{ NetworksDeleted: string[] | null }> {
    return this.exclusive(async () => {
      const keep = pruneFilter(filters);
      await this.state.settled();
      const deleted: string[] = [];
      for (const net of [...this.state.networks.values()]) {
        if (net.kind !== 'custom' || this.state.endpointsOn(net.id).length || !keep(net)) continue;
        await this.destroy(net);
        deleted.push(net.name);
      }
      return { NetworksDeleted: deleted.length ? deleted : null };
    });
  }

  /** `POST /networks/{id}/connect`. */
  async connect(ref: string, body: { Container?: string; EndpointConfig?: EndpointSettings | null }): Promise<void> {
    await this.state.refreshUpstreams();
    await connectContainer(this.state, ref, body.Container ?? '', body.EndpointConfig ?? {});
  }

  /** `POST /networks/{id}/disconnect`. */
  disconnect(ref: string, body: { Container?: string; Force?: boolean }): Promise<void> {
    return disconnectContainer(this.state, ref, body.Container ?? '');
  }

  /** Network counts are not in /info; ids for `system df` style listings. */
  networks(): NetworkRecord[] {
    return [...this.state.networks.values()];
  }

  /**
   * Daemon shutdown: DNS servers and proxies stop (they live in this process). When no container
   * is running on a bridge, the bridges and our firewall chains are removed as well — nothing
   * needs them, and the next start makes them again; otherwise everything stays for the
   * containers that keep running (live restore).
   */
  async close(): Promise<void> {
    await this.state.settled();
    await Promise.all([...this.state.dns.values()].map((d) => d.close()));
    this.state.dns.clear();
    await Promise.all([...this.state.proxies.values()].flat().map((p) => p.close()));
    this.state.proxies.clear();
    const bridged = [...this.state.sandboxes.values()].some((sb) => sb.mode === 'bridge');
    if (bridged) return;
    for (const net of this.state.networks.values()) await this.state.deps.driver.removeNetwork(net);
    await this.state.deps.driver.removeFirewall();
  }
}
