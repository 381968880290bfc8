/**
 * Building and tearing down a running container's bridge networking: endpoints (addresses from
 * the networks' pools), the sandbox record (written ahead of any host change, so a crash leaves
 * a record of everything that may exist), published ports (proxies first: a taken host port
 * fails before any namespace, veth or rule exists), then the namespace, the veths and the
 * firewall. Any failure undoes everything done so far.
 */
import { randomBytes } from 'node:crypto';
import { macForIPv4, parseIPv4, parseSubnet } from '../../core/network/ipv4.js';
import type { EndpointRecord, NetworkRecord, PortMapping, PortProxy, SandboxRecord } from '../../core/network/network.js';
import type { ContainerRecord } from '../../core/containers/container.js';
import { errnoCode, internal } from '../../errdefs/index.js';
import type { EndpointSettings } from '../../spec/engine/types.js';
import type { NetworkState } from './network-state.js';
import { endpointAliases } from './network-views.js';
import { type RequestedPort, requestedPorts } from './port-bindings.js';

/** One network a container joins, with the user's endpoint settings for it. */
export interface JoinRequest {
  net: NetworkRecord;
  config: EndpointSettings;
}

const newId = () => randomBytes(32).toString('hex');

/** Names the embedded DNS answers for: the container's name and its aliases (user networks only). */
function dnsNames(rec: ContainerRecord, net: NetworkRecord, aliases: readonly string[]): string[] {
  if (net.kind !== 'custom') return [];
  return [...new Set([rec.name, ...aliases].map((n) => n.toLowerCase()))];
}

/** Allocates an address and describes an endpoint (no host change yet). */
export function newEndpoint(state: NetworkState, rec: ContainerRecord, j: JoinRequest, ifname: string): EndpointRecord {
  const br = j.net.bridge!;
  const pool = state.pools.get(j.net.id)!;
  const ip = pool.allocate(j.config.IPAMConfig?.IPv4Address || undefined);
  const id = newId();
  const aliases = endpointAliases(rec, j.config.Aliases ?? []);
  return {
    id,
    networkId: j.net.id,
    networkName: j.net.name,
    ifname,
    hostIf: `veth${id.slice(0, 7)}`,
    ip,
    prefixLen: parseSubnet(br.subnet).prefix,
    gateway: br.gateway,
    mac: macForIPv4(parseIPv4(ip)!),
    ipamConfig: j.config.IPAMConfig?.IPv4Address ? { IPv4Address: j.config.IPAMConfig.IPv4Address } : null,
    aliases: j.net.kind === 'custom' ? aliases : null,
    dnsNames: dnsNames(rec, j.net, aliases),
  };
}

/** Docker's wording for a failed port binding. */
function bindError(rec: ContainerRecord, epId: string, detail: string) {
  return internal(`driver failed programming external connectivity on endpoint ${rec.name} (${epId}): ${detail}`);
}

/** Whether one of the engine's own mappings holds `port` on an overlapping address. */
function allocatedByUs(state: NetworkState, proto: string, hostIp: string, port: number): boolean {
  for (const sb of state.sandboxes.values()) {
    for (const m of sb.ports) {
      if (m.proto === proto && m.hostPort === port && (m.hostIp === hostIp || m.hostIp === '0.0.0.0' || hostIp === '0.0.0.0')) return true;
    }
  }
  return false;
}

/** Starts one proxy for `want`, trying each port of its range; throws Docker's message. */
async function bindOne(state: NetworkState, rec: ContainerRecord, ep: EndpointRecord, want: RequestedPort): Promise<PortProxy> {
  const [first, last] = want.hostPorts;
  const label = first === last ? `${first}` : `${first}-${last}`;
  let lastErr: unknown;
  for (let port = first; port <= last; port++) {
    if (port !== 0 && allocatedByUs(state, want.proto, want.hostIp, port)) continue;
    try {
      return await state.deps.startProxy({ proto: want.proto, hostIp: want.hostIp, hostPort: port, containerIp: ep.ip, containerPort: want.containerPort });
    } catch (err) {
      lastErr = err;
      if (first === last) break;
    }
  }
  if (!lastErr) throw bindError(rec, ep.id, `Bind for ${want.hostIp}:${label} failed: port is already allocated`);
  const code = errnoCode(lastErr);
  const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : (lastErr as Error).message;
  throw bindError(rec, ep.id, `Error starting userland proxy: listen ${want.proto}4 ${want.hostIp}:${label}: bind: ${why}`);
}

/** Binds every requested port of `rec` to `ep` (the primary endpoint); on failure closes what it opened. */
async function publish(state: NetworkState, rec: ContainerRecord, sb: SandboxRecord, ep: EndpointRecord, net: NetworkRecord): Promise<void> {
  const wanted = net.internal ? [] : requestedPorts(rec.config, rec.hostConfig);
  const proxies: PortProxy[] = [];
  state.proxies.set(rec.id, proxies);
  for (const want of wanted) {
    const proxy = await bindOne(state, rec, ep, want);
    proxies.push(proxy);
    const m: PortMapping = { proto: want.proto, hostIp: want.hostIp, hostPort: proxy.port, containerPort: want.containerPort, containerIp: ep.ip, bridge: net.bridge!.name };
    sb.ports.push(m);
  }
}

/**
 * Undoes a sandbox (idempotent). What must stop at once stops before this returns: the proxies,
 * the published ports' rules, the endpoints (gone from `network inspect`, DNS and `network rm`'s
 * check). The namespace's deletion and what follows it run in the background (`state.settling`),
 * off the path of a container's exit: the addresses return to their pools and the record is
 * deleted only once the namespace is gone, so no new container can get an address whose old veth
 * still answers on the bridge, and a crash in between leaves the record for the next start.
 */
export async function teardownSandbox(state: NetworkState, sb: SandboxRecord): Promise<void> {
  const proxies = state.proxies.get(sb.containerId) ?? [];
  state.proxies.delete(sb.containerId);
  const hadPorts = sb.ports.length > 0;
  if (state.sandboxes.get(sb.containerId) === sb) state.sandboxes.delete(sb.containerId);
  for (const ep of sb.endpoints) {
    const net = state.networks.get(ep.networkId);
    if (net) state.event(net, 'disconnect', { container: sb.containerId });
  }
  await Promise.all(proxies.map((p) => p.close()));
  if (hadPorts) await state.applyFirewall();
  const settle = async () => {
    if (sb.mode === 'bridge') {
      // Containers still running in this namespace (`--network container:`) keep it alive: its
      // veths are then cut explicitly.
      const shared = [...state.sandboxes.values()].some((o) => o.joinedTo === sb.containerId);
      await state.deps.driver
        .removeSandbox(sb, { deleteLinks: shared })
        .catch((err) => state.log.warn('removing a network namespace failed', { id: sb.containerId, err }));
    }
    for (const ep of sb.endpoints) state.pools.get(ep.networkId)?.release(ep.ip);
    if (sb.mode === 'bridge') await state.deps.sandboxes.remove(sb.containerId);
  };
  state.settle(sb.containerId, settle);
}

/**
 * Gives a container its bridge networking: one endpoint per network (the first carries the
 * default route and the published ports). Returns the sandbox; on failure nothing is left.
 */
export async function attachBridge(state: NetworkState, rec: ContainerRecord, joins: readonly JoinRequest[]): Promise<SandboxRecord> {
  // A namespace of this container's previous run may still be on its way out (same name).
  await state.settled(rec.id);
  const netnsName = state.deps.driver.netnsName(rec.id);
  const sb: SandboxRecord = { containerId: rec.id, id: newId(), mode: 'bridge', netnsName, netnsPath: `/run/netns/${netnsName}`, endpoints: [], ports: [] };
  try {
    for (const [i, j] of joins.entries()) sb.endpoints.push(newEndpoint(state, rec, j, `eth${i}`));
    // In memory before any await: a concurrent `network rm` sees the endpoints.
    state.sandboxes.set(rec.id, sb);
    // Proxies first: a taken host port fails the start before anything exists on the host.
    if (sb.endpoints[0]) await publish(state, rec, sb, sb.endpoints[0], joins[0]!.net);
    // Written ahead of the namespace and rules: after a crash, the record lists all that may exist.
    await state.deps.sandboxes.save(sb);
    await state.deps.driver.createSandbox(
      sb,
      sb.endpoints.map((ep, i) => ({ ep, net: joins[i]!.net })),
    );
    if (sb.ports.length) await state.applyFirewall();
    for (const j of joins) state.event(j.net, 'connect', { container: rec.id });
    return sb;
  } catch (err) {
    await teardownSandbox(state, sb).catch((e) => state.log.warn('undoing a failed network setup failed', { id: rec.id, err: e }));
    throw err;
  }
}

/** Connects a running bridge-mode container to one more network (next `ethN`). */
export async function addEndpoint(state: NetworkState, rec: ContainerRecord, sb: SandboxRecord, j: JoinRequest): Promise<EndpointRecord> {
  const used = new Set(sb.endpoints.map((e) => e.ifname));
  let n = 0;
  while (used.has(`eth${n}`)) n++;
  const ep = newEndpoint(state, rec, j, `eth${n}`);
  sb.endpoints.push(ep);
  try {
    await state.deps.sandboxes.save(sb);
    await state.deps.driver.join(sb, ep, j.net, sb.endpoints.length === 1);
    return ep;
  } catch (err) {
    sb.endpoints = sb.endpoints.filter((e) => e !== ep);
    state.pools.get(ep.networkId)?.release(ep.ip);
    await state.deps.driver.leave(sb, ep).catch(() => undefined);
    await state.deps.sandboxes.save(sb);
    throw err;
  }
}

/** Disconnects a running container from one network (and unpublishes ports on that endpoint). */
export async function removeEndpoint(state: NetworkState, sb: SandboxRecord, ep: EndpointRecord): Promise<void> {
  await state.deps.driver.leave(sb, ep);
  state.pools.get(ep.networkId)?.release(ep.ip);
  sb.endpoints = sb.endpoints.filter((e) => e !== ep);
  const kept = sb.ports.filter((p) => p.containerIp !== ep.ip);
  if (kept.length !== sb.ports.length) {
    // The ports were on this endpoint: their proxies go, and the rules with the next apply.
    const proxies = state.proxies.get(sb.containerId) ?? [];
    state.proxies.delete(sb.containerId);
    await Promise.all(proxies.map((p) => p.close()));
    sb.ports = kept;
    await state.applyFirewall();
  }
  await state.deps.sandboxes.save(sb);
}
