/**
 * The network service's in-memory state and the operations every use case shares: networks by
 * id (mirroring the store), one address pool per bridge network, the live sandboxes of running
 * containers (mirroring the sandbox store), their port proxies, the embedded DNS servers, and
 * the firewall's desired state derived from all of that.
 */
import { AddressPool } from '../../core/network/address-pool.js';
import { type Cidr, parseIPv4, parseSubnet } from '../../core/network/ipv4.js';
import type {
  DnsServer,
  DnsZone,
  FirewallState,
  NetworkDriver,
  NetworkRecord,
  NetworkStore,
  PortProxy,
  ProxyTarget,
  SandboxRecord,
  SandboxStore,
} from '../../core/network/network.js';
import type { ContainerRecord } from '../../core/containers/container.js';
import type { EventBus } from '../../core/events/events.js';
import { notFound } from '../../errdefs/index.js';
import type { Logger } from '../../lib/logger.js';

/** What the network service needs from the containers subsystem. */
export interface ContainerDirectory {
  /** NotFound `No such container: X`. */
  resolve(idOrName: string): ContainerRecord;
  find(idOrName: string): ContainerRecord | undefined;
  list(): ContainerRecord[];
  save(rec: ContainerRecord): Promise<void>;
  /** Runs `fn` holding the container's lifecycle lock (no start or stop meanwhile). */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
}

/** Host-facing helpers the service is built with (plugins, injected by the daemon). */
export interface NetworkServiceDeps {
  store: NetworkStore;
  sandboxes: SandboxStore;
  driver: NetworkDriver & { netnsName(containerId: string): string };
  events: EventBus;
  log: Logger;
  /** Prefixes in use on the host (routes, addresses, resolvers) except on `ignore` interfaces. */
  hostTaken(ignore: readonly string[]): Promise<Cidr[]>;
  /** Pool candidate to try first (daemon-specific, see pickFreeSubnet). */
  poolStart: number;
  /** The host's resolv.conf text (upstreams of the embedded DNS, default-bridge containers). */
  hostResolvConf(): Promise<string>;
  startProxy(target: ProxyTarget): Promise<PortProxy>;
  startDns(address: string, zone: DnsZone): Promise<DnsServer>;
}

/** Whether a container has a process (its sandbox is live). */
export function isLive(rec: ContainerRecord | undefined): boolean {
  return rec?.state.status === 'running' || rec?.state.status === 'paused';
}

export class NetworkState {
  readonly networks = new Map<string, NetworkRecord>();
  readonly pools = new Map<string, AddressPool>();
  readonly sandboxes = new Map<string, SandboxRecord>();
  readonly proxies = new Map<string, PortProxy[]>();
  readonly dns = new Map<string, DnsServer>();
  /** Set by the daemon's wiring once the containers subsystem exists. */
  containers?: ContainerDirectory;
  /** The host's IPv4 resolvers, the embedded DNS's upstreams (see refreshUpstreams). */
  upstreams: string[] = [];
  /** Sandbox removals still running in the background, by container (see teardownSandbox). */
  private readonly settling = new Map<string, Promise<void>>();

  constructor(readonly deps: NetworkServiceDeps) {}

  get log(): Logger {
    return this.deps.log;
  }

  get directory(): ContainerDirectory {
    if (!this.containers) throw new TypeError('network service used before the containers subsystem was wired');
    return this.containers;
  }

  /**
   * Re-reads the host's resolvers. They are queried from the host's namespace, where the
   * embedded DNS runs, so loopback ones (a local caching resolver) work too.
   */
  async refreshUpstreams(): Promise<void> {
    const text = await this.deps.hostResolvConf();
    this.upstreams = [...text.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
  }

  /** Runs `work` in the background for a container, after any earlier work of it; errors are logged. */
  settle(containerId: string, work: () => Promise<void>): void {
    const prev = this.settling.get(containerId) ?? Promise.resolve();
    const next = prev.then(work).catch((err) => this.log.warn('finishing a sandbox removal failed', { id: containerId, err }));
    this.settling.set(containerId, next);
    void next.then(() => {
      if (this.settling.get(containerId) === next) this.settling.delete(containerId);
    });
  }

  /** Resolves once the background removals of `containerId` (or of every container) are done. */
  async settled(containerId?: string): Promise<void> {
    if (containerId) await this.settling.get(containerId);
    else await Promise.all(this.settling.values());
  }

  /** Adds a network to memory with a fresh pool. */
  track(net: NetworkRecord): void {
    this.networks.set(net.id, net);
    if (net.bridge) {
      const subnet = parseSubnet(net.bridge.subnet);
      const range = net.bridge.ipRange ? parseSubnet(net.bridge.ipRange) : subnet;
      this.pools.set(net.id, new AddressPool(subnet, parseIPv4(net.bridge.gateway)!, range));
    }
  }

  untrack(id: string): void {
    this.networks.delete(id);
    this.pools.delete(id);
  }

  /** Docker's lookup: full id, exact name, then a unique id prefix. NotFound `network X not found`. */
  find(idOrName: string): NetworkRecord {
    const n = this.tryFind(idOrName);
    if (!n) throw notFound(`network ${idOrName} not found`);
    return n;
  }

  tryFind(idOrName: string): NetworkRecord | undefined {
    const byId = this.networks.get(idOrName);
    if (byId) return byId;
    const all = [...this.networks.values()];
    const byName = all.find((n) => n.name === idOrName);
    if (byName) return byName;
    const prefixed = idOrName ? all.filter((n) => n.id.startsWith(idOrName)) : [];
    return prefixed.length === 1 ? prefixed[0] : undefined;
  }

  /** The default bridge network. */
  defaultBridge(): NetworkRecord | undefined {
    return [...this.networks.values()].find((n) => n.kind === 'default');
  }

  /** Live endpoints on a network, with their sandboxes. */
  endpointsOn(networkId: string): Array<{ sb: SandboxRecord; ep: SandboxRecord['endpoints'][number] }> {
    const out: Array<{ sb: SandboxRecord; ep: SandboxRecord['endpoints'][number] }> = [];
    for (const sb of this.sandboxes.values()) for (const ep of sb.endpoints) if (ep.networkId === networkId) out.push({ sb, ep });
    return out;
  }

  /** Containers using a predefined non-bridge network (host, none) right now. */
  modeUsers(mode: 'host' | 'none'): SandboxRecord[] {
    return [...this.sandboxes.values()].filter((sb) => sb.mode === mode);
  }

  firewallState(): FirewallState {
    const networks = [...this.networks.values()]
      .filter((n) => n.bridge)
      .map((n) => ({ bridge: n.bridge!.name, subnet: n.bridge!.subnet, gateway: n.bridge!.gateway, internal: n.internal }));
    const ports = [...this.sandboxes.values()].flatMap((sb) => sb.ports);
    return { networks, ports };
  }

  /** Programs the firewall from the current state. */
  applyFirewall(): Promise<void> {
    return this.deps.driver.programFirewall(this.firewallState());
  }

  /** Publishes a network event with Docker's attributes. */
  event(net: NetworkRecord, action: string, extra: Record<string, string> = {}): void {
    const attrs: Record<string, string> = { ...extra, name: net.name, type: net.driver };
    const sorted = Object.fromEntries(Object.keys(attrs).sort().map((k) => [k, attrs[k]!]));
    this.deps.events.publish('network', action, { ID: net.id, Attributes: sorted });
  }
}
