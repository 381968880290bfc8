/**
 * The names a user network's embedded DNS answers for, read from the live sandboxes at query
 * time (no table to keep in sync): each endpoint's DNS names (container name, aliases, short
 * id, hostname), also as `name.<network>`; reverse lookups of the network's addresses. Other
 * names go to the querying container's `--dns` servers, else the host's resolvers; an internal
 * network forwards nothing.
 */
import type { DnsZone, NetworkRecord } from '../../core/network/network.js';
import type { NetworkState } from './network-state.js';

/** The zone of `net`; `hostUpstreams` gives the host's resolvers at query time. */
export function zoneFor(state: NetworkState, net: NetworkRecord, hostUpstreams: () => string[]): DnsZone {
  const suffix = `.${net.name.toLowerCase()}`;
  return {
    lookup(name) {
      const bare = name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
      const ips = state
        .endpointsOn(net.id)
        .filter(({ ep }) => ep.dnsNames.includes(bare))
        .map(({ ep }) => ep.ip);
      return ips.length ? ips : undefined;
    },
    reverse(ip) {
      const hit = state.endpointsOn(net.id).find(({ ep }) => ep.ip === ip);
      if (!hit) return undefined;
      const name = state.containers?.find(hit.sb.containerId)?.name ?? hit.ep.dnsNames[0];
      return name ? `${name}.${net.name}` : undefined;
    },
    upstreams(client) {
      if (net.internal) return [];
      const from = state.endpointsOn(net.id).find(({ ep }) => ep.ip === client);
      const own = from ? state.containers?.find(from.sb.containerId)?.hostConfig.Dns : undefined;
      return own?.length ? own : hostUpstreams();
    },
  };
}
