/**
 * `POST /networks/{id}/connect` and `/disconnect`: a stopped container only has its settings
 * changed (the endpoint is made at its next start, as in Docker); a running one gets (or loses)
 * the endpoint at once. Both hold the container's lifecycle lock, so no start or stop races.
 */
import type { NetworkRecord } from '../../core/network/network.js';
import { forbidden, internal, invalidArgument } from '../../errdefs/index.js';
import type { EndpointSettings } from '../../spec/engine/types.js';
import { checkEndpointSettings, endpointsConfigOf, keptSettings } from './container-networking.js';
import { isLive, type NetworkState } from './network-state.js';
import { addEndpoint, removeEndpoint } from './sandbox-ops.js';

const HOST_CONFLICT = 'container cannot be disconnected from host network or connected to host network';

/** Refusals that depend on the container's network mode and the network's driver. */
function checkModes(mode: string, net: NetworkRecord): void {
  if (mode === 'host' || mode.startsWith('container:')) {
    throw invalidArgument('container sharing network namespace with another container or host cannot be connected to any other network');
  }
  if (net.driver === 'host') throw invalidArgument(HOST_CONFLICT);
  if (mode === 'none' || net.driver === 'null') {
    throw invalidArgument('container cannot be connected to multiple networks with one of the networks in private (none) mode');
  }
}

export async function connectContainer(state: NetworkState, netRef: string, containerRef: string, cfg: EndpointSettings = {}): Promise<void> {
  const net = state.find(netRef);
  const rec = state.directory.resolve(containerRef);
  await state.directory.withLock(rec.id, async () => {
    checkModes(rec.hostConfig.NetworkMode || 'default', net);
    const eps = endpointsConfigOf(rec);
    if (eps[net.name]) throw forbidden(`endpoint with name ${rec.name} already exists in network ${net.name}`);
    checkEndpointSettings(net, cfg);
    const kept = keptSettings(cfg);
    if (isLive(rec)) {
      const sb = state.sandboxes.get(rec.id);
      if (sb?.mode !== 'bridge') throw internal(`container ${rec.id} has no network sandbox`);
      await addEndpoint(state, rec, sb, { net, config: cfg });
      kept.NetworkID = net.id;
    }
    rec.networkingConfig = { ...rec.networkingConfig, EndpointsConfig: { ...eps, [net.name]: kept } };
    await state.directory.save(rec);
    state.event(net, 'connect', { container: rec.id });
  });
}

export async function disconnectContainer(state: NetworkState, netRef: string, containerRef: string): Promise<void> {
  const net = state.find(netRef);
  const rec = state.directory.resolve(containerRef);
  await state.directory.withLock(rec.id, async () => {
    if (net.driver === 'host' && rec.hostConfig.NetworkMode === 'host') throw invalidArgument(HOST_CONFLICT);
    const eps = endpointsConfigOf(rec);
    if (!eps[net.name]) throw internal(`container ${rec.id} is not connected to network ${net.name}`);
    const sb = isLive(rec) ? state.sandboxes.get(rec.id) : undefined;
    const ep = sb?.endpoints.find((e) => e.networkId === net.id);
    if (sb && ep) await removeEndpoint(state, sb, ep);
    const rest = { ...eps };
    delete rest[net.name];
    rec.networkingConfig = { ...rec.networkingConfig, EndpointsConfig: rest };
    await state.directory.save(rec);
    state.event(net, 'disconnect', { container: rec.id });
  });
}
