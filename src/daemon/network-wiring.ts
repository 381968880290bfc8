/**
 * The networking block of the composition root: the bridge driver (iproute2 + iptables), the
 * file stores (networks under the data root, sandboxes under the exec root), the userland
 * proxy and embedded DNS factories, and the network service over them. Built before the
 * containers (whose starts use it), told about them afterwards.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EventBus } from '../core/events/events.js';
import type { Logger } from '../lib/logger.js';
import { BridgeDriver } from '../plugins/network/bridge-driver.js';
import { FileNetworkStore, FileSandboxStore } from '../plugins/network/file-network-stores.js';
import { defaultBridgeName, hostTakenPrefixes, netTag } from '../plugins/network/host-facts.js';
import { proxyFactory } from '../plugins/network/native-port-proxy.js';
import { networkRoutes } from '../server/routes/networks.js';
import type { Route } from '../server/router.js';
import { NetworkService } from '../services/network/network-service.js';
import type { DaemonConfig } from './config.js';

export interface Networking {
  service: NetworkService;
  routes: Route[];
}

/** Opens the network service (default bridge up, user networks' bridges and DNS servers). */
export async function openNetworking(config: DaemonConfig, log: Logger, events: EventBus): Promise<Networking> {
  const tag = netTag(config.dataRoot);
  const driver = new BridgeDriver({ tag });
  const service = await NetworkService.open(
    {
      store: await FileNetworkStore.open(path.join(config.dataRoot, 'network')),
      sandboxes: new FileSandboxStore(path.join(config.execRoot, 'network', 'sandboxes')),
      driver,
      events,
      log: log.child({ module: 'network' }),
      hostTaken: (ignore) => hostTakenPrefixes(ignore),
      // Daemons on one host start their subnet search at different pool entries.
      poolStart: Number.parseInt(tag.slice(0, 4), 16),
      hostResolvConf: () => fs.readFile('/etc/resolv.conf', 'utf8').catch(() => ''),
      // TCP through wharf-proxy processes (native/proxy), UDP in the daemon.
      startProxy: proxyFactory(),
      // Loaded with the first user network: the default bridge has no embedded DNS, so an idle
      // daemon need not hold the DNS codec (dns-packet; ~0.5 MB resident in the daemon).
      startDns: async (address, zone) => (await import('../plugins/network/dns-server.js')).startDnsServer(address, zone),
    },
    { name: config.bridgeName ?? defaultBridgeName(config.dataRoot), ...(config.bip ? { bip: config.bip } : {}) },
  );
  return { service, routes: networkRoutes(service) };
}
