/**
 * The network service's side of the container lifecycle ({@link ContainerNetworking}): create-
 * time checks with dockerd's messages, the sandbox of each run by network mode (bridge and user
 * networks: our namespace with veths; `none`: the runtime's fresh namespace; `host`: none;
 * `container:X`: X's), its release, and the network parts of inspect and ps.
 */
import { randomBytes } from 'node:crypto';
import type { ContainerRecord } from '../../core/containers/container.js';
import type { ContainerNetworking, NetworkAttachment } from '../../core/network/container-networking.js';
import { parseIPv4 } from '../../core/network/ipv4.js';
import type { NetworkRecord, SandboxRecord } from '../../core/network/network.js';
import { conflict, invalidArgument } from '../../errdefs/index.js';
import type { ContainerConfig, EndpointSettings, HostConfig, NetworkingConfig } from '../../spec/engine/types.js';
import { isLive, type NetworkState } from './network-state.js';
import { networksView, primaryNetworkName, settingsView, summaryPorts } from './network-views.js';
import { validatePortBindings } from './port-bindings.js';
import { attachBridge, type JoinRequest, teardownSandbox } from './sandbox-ops.js';

const CONTAINER_PREFIX = 'container:';

/** dockerd's checks for `--network container:X` (runconfig validateNetContainerMode). */
function checkContainerMode(request: ContainerConfig, h: HostConfig): void {
  if (request.Hostname) throw invalidArgument('conflicting options: hostname and the network mode');
  if (h.Dns?.length) throw invalidArgument('conflicting options: dns and the network mode');
  if (h.ExtraHosts?.length) throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
  if (Object.keys(h.PortBindings ?? {}).length || h.PublishAllPorts) {
    throw invalidArgument('conflicting options: port publishing and the container type network mode');
  }
  if (Object.keys(request.ExposedPorts ?? {}).length) throw invalidArgument('conflicting options: port exposing and the container type network mode');
  if (request.MacAddress) throw invalidArgument('conflicting options: mac-address and the network mode');
}

/** The endpoint settings a container keeps: only what the user set. */
export function keptSettings(cfg: EndpointSettings): EndpointSettings {
  const out: EndpointSettings = {};
  if (cfg.IPAMConfig?.IPv4Address) out.IPAMConfig = { IPv4Address: cfg.IPAMConfig.IPv4Address };
  if (cfg.Aliases?.length) out.Aliases = [...cfg.Aliases];
  if (cfg.DriverOpts && Object.keys(cfg.DriverOpts).length) out.DriverOpts = cfg.DriverOpts;
  return out;
}

/** dockerd's checks of one network's endpoint settings (static address, aliases). */
export function checkEndpointSettings(net: NetworkRecord, cfg: EndpointSettings): void {
  const ip = cfg.IPAMConfig?.IPv4Address;
  if (net.kind !== 'custom') {
    if (ip) throw invalidArgument('user specified IP address is supported on user defined networks only');
    if (cfg.Aliases?.length) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  }
  if (ip && parseIPv4(ip) === undefined) throw invalidArgument(`invalid IPv4 address: ${ip}`);
}

/**
 * The container's networks (by name) with its settings. A container disconnected from every
 * network falls back to its NetworkMode's network at its next start.
 */
export function endpointsConfigOf(rec: ContainerRecord): Record<string, EndpointSettings> {
  if (rec.hostConfig.NetworkMode?.startsWith(CONTAINER_PREFIX)) return {};
  const eps = { ...(rec.networkingConfig?.EndpointsConfig ?? {}) };
  // Records made before networking existed keep the CLI's request: `default` or nothing.
  if (eps.default) {
    eps.bridge = eps.default;
    delete eps.default;
  }
  return Object.keys(eps).length ? eps : { [primaryNetworkName(rec.hostConfig.NetworkMode)]: {} };
}

export class ContainerNetworkingService implements ContainerNetworking {
  constructor(private readonly state: NetworkState) {}

  prepareCreate(request: ContainerConfig, h: HostConfig, networking: NetworkingConfig | undefined): NetworkingConfig {
    validatePortBindings(h);
    const mode = h.NetworkMode || 'default';
    const eps = networking?.EndpointsConfig ?? {};
    const keys = Object.keys(eps);
    if (keys.length > 1) throw invalidArgument(`Container cannot be connected to network endpoints: ${keys.join(', ')}`);
    if (mode.startsWith(CONTAINER_PREFIX)) {
      checkContainerMode(request, h);
      return { EndpointsConfig: {} };
    }
    // A network or container that does not exist fails the start (404), not the create, as in
    // Docker: a 404 from create makes the docker CLI try to pull the image.
    const name = primaryNetworkName(mode);
    const net = this.state.tryFind(name);
    const cfg = keys.length ? (eps[keys[0]!] ?? {}) : {};
    if (net) checkEndpointSettings(net, cfg);
    return { EndpointsConfig: { [net?.name ?? name]: keptSettings(cfg) } };
  }

  hostGateway(): string | undefined {
    return this.state.defaultBridge()?.bridge?.gateway;
  }

  async attach(rec: ContainerRecord): Promise<NetworkAttachment> {
    const mode = rec.hostConfig.NetworkMode || 'default';
    const hostGateway = this.hostGateway();
    const simple = (m: SandboxRecord['mode'], joinedTo?: string) => {
      const sb: SandboxRecord = { containerId: rec.id, id: randomBytes(32).toString('hex'), mode: m, endpoints: [], ports: [] };
      if (joinedTo) sb.joinedTo = joinedTo;
      this.state.sandboxes.set(rec.id, sb);
    };
    if (mode === 'host' || mode === 'none') {
      simple(mode);
      const net = this.state.tryFind(mode);
      if (net) this.state.event(net, 'connect', { container: rec.id });
      return { etc: hostGateway ? { hostGateway } : {} };
    }
    if (mode.startsWith(CONTAINER_PREFIX)) {
      const target = this.state.directory.resolve(mode.slice(CONTAINER_PREFIX.length));
      if (!isLive(target)) throw conflict(`cannot join network of a non running container: ${target.id}`);
      const sb = this.state.sandboxes.get(target.id);
      simple('container', target.id);
      const netnsPath = sb?.mode === 'bridge' && sb.netnsPath ? sb.netnsPath : `/proc/${target.state.pid}/ns/net`;
      const shareFrom = { hostname: target.config.Hostname ?? '', hostnamePath: target.hostnamePath, hostsPath: target.hostsPath, resolvConfPath: target.resolvConfPath };
      return { netnsPath, etc: { shareFrom } };
    }
    await this.state.refreshUpstreams();
    const eps = endpointsConfigOf(rec);
    const joins: JoinRequest[] = Object.entries(eps).map(([name, config]) => ({ net: this.state.find(name), config }));
    const t0 = performance.now();
    const sb = await attachBridge(this.state, rec, joins);
    this.state.log.debug('network attached', { id: rec.id, ms: Math.round(performance.now() - t0) });
    // Kept in the record (saved with the start): inspect shows it after the run too, as Docker.
    for (const j of joins) eps[j.net.name] = { ...eps[j.net.name], NetworkID: j.net.id };
    rec.networkingConfig = { ...rec.networkingConfig, EndpointsConfig: eps };
    const primary = sb.endpoints[0];
    const primaryNet = joins[0]?.net;
    const etc: NetworkAttachment['etc'] = {};
    if (primary) etc.selfIp = primary.ip;
    if (hostGateway) etc.hostGateway = hostGateway;
    if (primaryNet?.kind === 'custom' && primaryNet.bridge) etc.nameserver = primaryNet.bridge.gateway;
    return { netnsPath: sb.netnsPath!, etc };
  }

  async detach(rec: ContainerRecord): Promise<void> {
    const sb = this.state.sandboxes.get(rec.id);
    if (!sb) return;
    const modeNet = sb.mode === 'host' || sb.mode === 'none' ? this.state.tryFind(sb.mode) : undefined;
    if (modeNet) this.state.event(modeNet, 'disconnect', { container: rec.id });
    const t0 = performance.now();
    await teardownSandbox(this.state, sb);
    if (sb.mode === 'bridge') this.state.log.debug('network detached', { id: rec.id, ms: Math.round(performance.now() - t0) });
  }

  inspectSettings(rec: ContainerRecord): Record<string, unknown> {
    return settingsView(this.state, rec);
  }

  summary(rec: ContainerRecord) {
    return { Ports: summaryPorts(this.state, rec), Networks: networksView(this.state, rec) };
  }

  networkKeys(rec: ContainerRecord): string[] {
    return Object.keys(endpointsConfigOf(rec)).flatMap((name) => {
      const net = this.state.tryFind(name);
      return net ? [name, net.id] : [name];
    });
  }

  publishedKeys(rec: ContainerRecord): string[] {
    const sb = isLive(rec) ? this.state.sandboxes.get(rec.id) : undefined;
    return (sb?.ports ?? []).map((p) => `${p.containerPort}/${p.proto}`);
  }
}
