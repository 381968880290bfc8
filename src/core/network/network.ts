/**
 * The networking contract: networks, sandboxes (a container's network namespace) with their
 * endpoints and published ports, and the two roles an implementation plays — the driver that
 * builds interfaces, namespaces and firewall rules on the host, and the store that keeps network
 * definitions across restarts.
 *
 * Lifecycle of a container's networking (driven by the network service):
 * 1. `createSandbox` makes the namespace with its endpoints (bridge/user networks only; `none`
 *    uses the runtime's own fresh namespace, `host` none at all, `container:X` X's);
 * 2. `join` adds an endpoint to a running container (`network connect`);
 * 3. `programFirewall` is handed the whole desired rule set whenever published ports or networks
 *    change; it replaces the engine's own chains atomically;
 * 4. `removeSandbox` deletes the namespace and its host-side veths. Every step is idempotent:
 *    after a crash the service replays removals for whatever its sandbox records list, and
 *    `sweep` deletes what no record accounts for.
 */

/** Drivers of the networks Docker predefines and of user networks. */
export type NetworkDriverName = 'bridge' | 'host' | 'null';

/** One IPAM pool as Docker reports it (`IPAM.Config[]`). */
export interface IpamPoolConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** A bridge network's host side. */
export interface BridgeSettings {
  /** Interface name (`br-<id12>`, or the daemon's default bridge name). */
  name: string;
  /** `a.b.c.d/n` */
  subnet: string;
  gateway: string;
  /** Dynamic addresses come from here (defaults to the subnet). */
  ipRange?: string;
}

/** A network as persisted (`<data-root>/network/<id>.json`). */
export interface NetworkRecord {
  id: string;
  name: string;
  driver: NetworkDriverName;
  /** RFC 3339 with nanoseconds. */
  created: string;
  internal: boolean;
  attachable: boolean;
  /** `bridge` for the default network, `builtin` for host/none, `custom` for user networks. */
  kind: 'default' | 'builtin' | 'custom';
  labels: Record<string, string>;
  options: Record<string, string>;
  ipamOptions: Record<string, string> | null;
  /** What `IPAM.Config` reports (the user's pools, with the gateway filled in when Docker would). */
  ipamConfig: IpamPoolConfig[];
  bridge?: BridgeSettings;
}

/** A container's attachment to one network. */
export interface EndpointRecord {
  id: string;
  networkId: string;
  networkName: string;
  /** Interface name inside the sandbox (`eth0`, `eth1`, …). */
  ifname: string;
  /** Host-side veth name. */
  hostIf: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  /** `IPAMConfig` the user asked for, kept for inspect. */
  ipamConfig: { IPv4Address?: string } | null;
  /** Network-scoped aliases as inspect shows them (user aliases, then the short id). */
  aliases: string[] | null;
  /** Names the embedded DNS answers for (container name, aliases, short id, hostname). */
  dnsNames: string[];
}

/** A published port as programmed: host side and container side. */
export interface PortMapping {
  proto: 'tcp' | 'udp';
  /** `0.0.0.0` for every address. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  containerIp: string;
  /** The bridge interface the container's endpoint is on. */
  bridge: string;
}

/** How a container is networked. */
export type SandboxMode = 'bridge' | 'none' | 'host' | 'container';

/** A running container's networking, persisted under the exec root while it runs. */
export interface SandboxRecord {
  containerId: string;
  /** Docker's SandboxID (64 hex). */
  id: string;
  mode: SandboxMode;
  /** `ip netns` name (bridge mode), absent otherwise. */
  netnsName?: string;
  /** What the OCI spec joins; absent when the runtime makes a fresh namespace or none. */
  netnsPath?: string;
  /** `container` mode: the container whose namespace this one shares. */
  joinedTo?: string;
  endpoints: EndpointRecord[];
  ports: PortMapping[];
}

/** The firewall's desired state: every bridge network and every published port of the engine. */
export interface FirewallState {
  networks: Array<{ bridge: string; subnet: string; gateway: string; internal: boolean }>;
  ports: PortMapping[];
}

/** Builds the host side of networking: bridges, namespaces, veths, firewall rules. */
export interface NetworkDriver {
  /** Creates (or adopts) a bridge network's interface and address. Idempotent. */
  ensureNetwork(net: NetworkRecord): Promise<void>;
  /** Deletes a bridge network's interface. Idempotent. */
  removeNetwork(net: NetworkRecord): Promise<void>;
  /**
   * Creates the named namespace of `sb` (`lo` up) with its first endpoints (veth pairs,
   * addresses; the first one carries the default route). On failure nothing is left.
   */
  createSandbox(sb: SandboxRecord, endpoints: ReadonlyArray<{ ep: EndpointRecord; net: NetworkRecord }>): Promise<void>;
  /**
   * Deletes the namespace; its veths go with it once no process holds it. `deleteLinks` removes
   * the host ends at once (other containers still share the namespace). Idempotent.
   */
  removeSandbox(sb: SandboxRecord, opts?: { deleteLinks?: boolean }): Promise<void>;
  /** Adds an endpoint to a sandbox: veth pair, address, MAC, default route when `defaultRoute`. */
  join(sb: SandboxRecord, ep: EndpointRecord, net: NetworkRecord, defaultRoute: boolean): Promise<void>;
  /** Removes an endpoint (its veth pair). Idempotent. */
  leave(sb: SandboxRecord, ep: EndpointRecord): Promise<void>;
  /** Replaces the engine's firewall rules by `state`, atomically. */
  programFirewall(state: FirewallState): Promise<void>;
  /**
   * Deletes namespaces and veths of this engine that no record accounts for (after a crash):
   * `sandboxes` are the namespace names to keep, `bridges` the engine's bridge names.
   */
  sweep(keep: { netnsNames: ReadonlySet<string>; hostIfs: ReadonlySet<string>; bridges: readonly string[] }): Promise<void>;
  /** Removes the engine's firewall chains and the jumps to them (nothing must be published). */
  removeFirewall(): Promise<void>;
}

/** Network definitions across restarts. */
export interface NetworkStore {
  list(): NetworkRecord[];
  /** Persists a new or changed record (crash-safe before it returns). */
  save(net: NetworkRecord): Promise<void>;
  remove(id: string): Promise<void>;
}

/** Running containers' sandboxes across daemon restarts (crash-safe writes). */
export interface SandboxStore {
  list(): Promise<SandboxRecord[]>;
  save(sb: SandboxRecord): Promise<void>;
  remove(containerId: string): Promise<void>;
}

/** What one userland proxy relays (see plugins/network/port-proxy.ts). */
export interface ProxyTarget {
  proto: 'tcp' | 'udp';
  hostIp: string;
  /** 0 for a port the kernel picks. */
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

/** A running userland proxy; `port` is the bound host port. */
export interface PortProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** The names one network's embedded DNS answers for. */
export interface DnsZone {
  /** IPv4 addresses for a lower-case name without the trailing dot; undefined when not ours. */
  lookup(name: string): string[] | undefined;
  /** The name for an address of this network (for PTR), if any. */
  reverse(ip: string): string | undefined;
  /**
   * Resolvers to forward other queries from `client` (a container's address) to, as `ip` or
   * `ip:port`; none → NXDOMAIN.
   */
  upstreams(client: string): string[];
}

/** A running embedded DNS server. */
export interface DnsServer {
  close(): Promise<void>;
}
