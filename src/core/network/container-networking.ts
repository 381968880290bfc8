/**
 * What the container lifecycle asks of networking: validation at create, a sandbox at start,
 * its release when the run ends, and the network parts of inspect and ps. The network service
 * implements it; the lifecycle's default (no networking subsystem wired) gives every container a
 * fresh namespace with only `lo`.
 */
import type { ContainerConfig, HostConfig, NetworkingConfig, Port } from '../../spec/engine/types.js';
import type { ContainerRecord } from '../containers/container.js';

/** What /etc/hosts, /etc/resolv.conf and /etc/hostname of a run are made from. */
export interface EtcNetworkData {
  /** The container's address on its primary network (`IP\thostname` in /etc/hosts). */
  selfIp?: string;
  /** What `host-gateway` in `--add-host` stands for (the default bridge's gateway). */
  hostGateway?: string;
  /** The embedded DNS server (user networks): the only `nameserver` of resolv.conf. */
  nameserver?: string;
  /** `--network container:X`: X's files and hostname are the container's. */
  shareFrom?: { hostname: string; hostnamePath: string; hostsPath: string; resolvConfPath: string };
}

/** What a start gets from networking. */
export interface NetworkAttachment {
  /** The namespace the OCI spec joins; absent → the runtime makes a fresh one (or none: host). */
  netnsPath?: string;
  etc: EtcNetworkData;
}

export interface ContainerNetworking {
  /**
   * Checks a create request's networking as dockerd does (InvalidArgument with Docker's
   * messages; an unknown network or container is only reported by the start, as Docker does)
   * and returns the endpoint settings to keep, keyed by network name. `request` is the user's
   * config before the image's is merged in.
   */
  prepareCreate(request: ContainerConfig, hostConfig: HostConfig, networking: NetworkingConfig | undefined): NetworkingConfig;
  /** Sets up the container's networking for a run (caller holds its lock); on failure nothing is left. */
  attach(rec: ContainerRecord): Promise<NetworkAttachment>;
  /** Releases a run's networking (namespace, veths, addresses, ports, rules). Idempotent. */
  detach(rec: ContainerRecord): Promise<void>;
  /** What `--add-host X:host-gateway` means at create time (undefined when unknown). */
  hostGateway(): string | undefined;
  /** inspect's `NetworkSettings`. */
  inspectSettings(rec: ContainerRecord): Record<string, unknown>;
  /** ps' `Ports` and `NetworkSettings.Networks`. */
  summary(rec: ContainerRecord): { Ports: Port[]; Networks: Record<string, Record<string, unknown>> };
  /** Names and ids of its networks (ps `--filter network=`). */
  networkKeys(rec: ContainerRecord): string[];
  /** `80/tcp`-style keys of its published ports (ps `--filter publish=`). */
  publishedKeys(rec: ContainerRecord): string[];
}
