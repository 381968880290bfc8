/**
 * The lifecycle's networking when no network service is wired (unit tests of the lifecycle):
 * every container either shares the host's network (`--network host`) or gets a fresh namespace
 * from the runtime with only `lo`. Endpoints are reported honestly: the network the user asked
 * for, no address, no gateway. The daemon wires the real implementation (services/network).
 */
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { ContainerNetworking } from '../../../core/network/container-networking.js';
import { notFound } from '../../../errdefs/index.js';

/** The network name Docker lists a container under for its NetworkMode. */
export function networkName(mode: string | undefined): string {
  if (!mode || mode === 'default') return 'bridge';
  return mode;
}

/** An endpoint with no address, in Docker's EndpointSettings field order. */
export function emptyEndpoint(): Record<string, unknown> {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: '',
    DriverOpts: null,
  };
}

/** `NetworkSettings.Networks`. */
function networksOf(rec: ContainerRecord): Record<string, Record<string, unknown>> {
  return { [networkName(rec.hostConfig.NetworkMode)]: emptyEndpoint() };
}

/** inspect's NetworkSettings (moby api/types NetworkSettings order). */
function inspectNetworkSettings(rec: ContainerRecord): Record<string, unknown> {
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: {},
    SandboxKey: '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: networksOf(rec),
  };
}

/** {@link ContainerNetworking} without a network subsystem: `lo` only (or the host's network). */
export const loopbackOnlyNetworking: ContainerNetworking = {
  prepareCreate: (_request, _h, networking) => networking ?? { EndpointsConfig: {} },
  // As Docker, an unknown network fails the start, not the create.
  attach: async (rec) => {
    const mode = rec.hostConfig.NetworkMode ?? 'default';
    if (!['default', 'bridge', 'none', 'host', ''].includes(mode)) throw notFound(`network ${mode} not found`);
    return { etc: {} };
  },
  detach: async () => undefined,
  hostGateway: () => undefined,
  inspectSettings: inspectNetworkSettings,
  summary: (rec) => ({ Ports: [], Networks: networksOf(rec) }),
  networkKeys: (rec) => [networkName(rec.hostConfig.NetworkMode)],
  publishedKeys: () => [],
};
