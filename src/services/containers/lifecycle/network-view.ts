/**
 * The network part of inspect and ps until the networking issue lands: every container either
 * shares the host's network (`--network host`) or has a private namespace with only `lo`
 * (`none`, and for now also `default`/`bridge`). So endpoints are reported honestly: the network
 * the user asked for, no address, no gateway.
 */
import type { ContainerRecord } from '../../../core/containers/container.js';

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
export function networksOf(rec: ContainerRecord): Record<string, Record<string, unknown>> {
  return { [networkName(rec.hostConfig.NetworkMode)]: emptyEndpoint() };
}

/** inspect's NetworkSettings (moby api/types NetworkSettings order). */
export function inspectNetworkSettings(rec: ContainerRecord): Record<string, unknown> {
  const ports: Record<string, null> = {};
  for (const p of Object.keys(rec.config.ExposedPorts ?? {})) ports[p] = null;
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: ports,
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
