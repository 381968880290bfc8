/**
 * Wire views, field for field as dockerd 20.10 writes them: a network (`GET /networks/{id}`),
 * a container's `NetworkSettings` (inspect) and its `Ports` and `Networks` (ps).
 */
import { type ContainerRecord, ZERO_TIME } from '../../core/containers/container.js';
import type { EndpointRecord, NetworkRecord, SandboxRecord } from '../../core/network/network.js';
import type { EndpointSettings, Port } from '../../spec/engine/types.js';
import { isLive, type NetworkState } from './network-state.js';

type Json = Record<string, unknown>;

function containersOf(state: NetworkState, net: NetworkRecord): Json {
  const out: Json = {};
  const name = (id: string) => state.containers?.find(id)?.name ?? '';
  if (net.bridge) {
    for (const { sb, ep } of state.endpointsOn(net.id)) {
      out[sb.containerId] = { Name: name(sb.containerId), EndpointID: ep.id, MacAddress: ep.mac, IPv4Address: `${ep.ip}/${ep.prefixLen}`, IPv6Address: '' };
    }
  } else {
    for (const sb of state.modeUsers(net.driver === 'host' ? 'host' : 'none')) {
      out[sb.containerId] = { Name: name(sb.containerId), EndpointID: sb.id, MacAddress: '', IPv4Address: '', IPv6Address: '' };
    }
  }
  return out;
}

/** A network resource; the list leaves `Containers` empty, as dockerd's does. */
export function networkView(state: NetworkState, net: NetworkRecord, withContainers: boolean): Json {
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: 'local',
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: net.ipamOptions, Config: net.ipamConfig },
    Internal: net.internal,
    Attachable: net.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: withContainers ? containersOf(state, net) : {},
    Options: net.options,
    Labels: net.labels,
  };
}

/** The network name Docker lists a container under for its NetworkMode. */
export function primaryNetworkName(mode: string | undefined): string {
  if (!mode || mode === 'default') return 'bridge';
  return mode;
}

/** One EndpointSettings, live values from `ep` when the container runs on that network. */
function endpointView(cfg: EndpointSettings, ep: EndpointRecord | undefined, aliases: string[] | null): Json {
  return {
    IPAMConfig: ep ? ep.ipamConfig : (cfg.IPAMConfig ?? null),
    Links: cfg.Links ?? null,
    Aliases: ep ? ep.aliases : aliases,
    NetworkID: ep?.networkId ?? cfg.NetworkID ?? '',
    EndpointID: ep?.id ?? '',
    Gateway: ep?.gateway ?? '',
    IPAddress: ep?.ip ?? '',
    IPPrefixLen: ep?.prefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: ep?.mac ?? '',
    DriverOpts: cfg.DriverOpts ?? null,
  };
}

/**
 * An endpoint's aliases on a user network, as dockerd 20.10 extends them at each start and
 * connect (daemon updateNetworkConfig): the user's, then the short id, then the hostname, each
 * unless present. So a container is found by its `--hostname` too, and inspect lists it.
 */
export function endpointAliases(rec: ContainerRecord, userAliases: readonly string[]): string[] {
  return [...new Set([...userAliases, rec.id.slice(0, 12), rec.config.Hostname ?? ''].filter(Boolean))];
}

/** The live sandbox of a running container, if any. */
export function liveSandbox(state: NetworkState, rec: ContainerRecord): SandboxRecord | undefined {
  return isLive(rec) ? state.sandboxes.get(rec.id) : undefined;
}

/** `NetworkSettings.Networks`: one entry per network the container is attached to. */
export function networksView(state: NetworkState, rec: ContainerRecord): Record<string, Json> {
  if (rec.hostConfig.NetworkMode?.startsWith('container:')) return {};
  const sb = liveSandbox(state, rec);
  const out: Record<string, Json> = {};
  for (const [name, cfg] of Object.entries(rec.networkingConfig?.EndpointsConfig ?? {})) {
    const net = state.tryFind(name);
    const ep = sb?.endpoints.find((e) => e.networkName === name);
    let aliases: string[] | null = cfg.Aliases?.length ? [...cfg.Aliases] : null;
    // Until its first start a container shows only the user's aliases, as in dockerd.
    if (net?.kind === 'custom' && rec.state.startedAt !== ZERO_TIME) aliases = endpointAliases(rec, cfg.Aliases ?? []);
    const view = endpointView(cfg, ep, aliases);
    if (!ep && sb && net && !net.bridge) Object.assign(view, { NetworkID: net.id, EndpointID: sb.id });
    out[name] = view;
  }
  return out;
}

/** `NetworkSettings.Ports`: published bindings and exposed ports (null) of a running bridge container. */
export function portsView(state: NetworkState, rec: ContainerRecord): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const sb = liveSandbox(state, rec);
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  if (sb?.mode !== 'bridge') return out;
  for (const key of Object.keys(rec.config.ExposedPorts ?? {})) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of sb.ports) {
    const key = `${p.containerPort}/${p.proto}`;
    const list = out[key] ?? [];
    list.push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    out[key] = list;
  }
  return out;
}

/** inspect's NetworkSettings (moby api/types NetworkSettings field order). */
export function settingsView(state: NetworkState, rec: ContainerRecord): Json {
  const sb = liveSandbox(state, rec);
  const bridgeEp = sb?.endpoints.find((e) => state.networks.get(e.networkId)?.kind === 'default');
  return {
    Bridge: '',
    SandboxID: sb?.id ?? '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: portsView(state, rec),
    SandboxKey: sb?.netnsPath ?? '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridgeEp?.id ?? '',
    Gateway: bridgeEp?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridgeEp?.ip ?? '',
    IPPrefixLen: bridgeEp?.prefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: bridgeEp?.mac ?? '',
    Networks: networksView(state, rec),
  };
}

/** ps' `Ports`: published bindings, then exposed-only ports, by port. */
export function summaryPorts(state: NetworkState, rec: ContainerRecord): Port[] {
  const out: Port[] = [];
  for (const [key, bindings] of Object.entries(portsView(state, rec))) {
    const [port, proto] = key.split('/') as [string, Port['Type']];
    if (!bindings) out.push({ PrivatePort: Number(port), Type: proto });
    else for (const b of bindings) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: proto });
  }
  return out.sort((a, b) => a.PrivatePort - b.PrivatePort);
}
