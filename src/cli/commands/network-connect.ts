/** `wharf network connect` and `wharf network disconnect`. */
import type { Command } from 'commander';
import type { EndpointSettings } from '../../spec/engine/types.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand, repeatable } from '../command-kit.js';
import { networkCommand, networksOf } from './network-command.js';

interface ConnectFlags {
  alias: string[];
  ip?: string;
  driverOpt: string[];
}

async function runConnect(ctx: CliContext, network: string, container: string, f: ConnectFlags): Promise<void> {
  const config: EndpointSettings = {};
  if (f.ip) config.IPAMConfig = { IPv4Address: f.ip };
  if (f.alias.length) config.Aliases = f.alias;
  if (f.driverOpt.length) config.DriverOpts = Object.fromEntries(f.driverOpt.map((o) => [o.split('=')[0]!, o.slice(o.indexOf('=') + 1)]));
  await networksOf(ctx).connect(network, container, config);
}

export function register(program: Command, ctx: CliContext): void {
  const net = networkCommand(program);
  defineCommand<ConnectFlags>(
    net,
    { name: 'connect', usage: '[OPTIONS] NETWORK CONTAINER', description: 'Connect a container to a network', args: { exactly: 2 } },
    ([network, container], f) => runConnect(ctx, network!, container!, f),
  )
    .addOption(repeatable('--alias <strings>', 'Add network-scoped alias for the container'))
    .option('--ip <string>', 'IPv4 address (e.g., "172.30.100.104")')
    .addOption(repeatable('--driver-opt <strings>', 'driver options for the network'));
  defineCommand<{ force?: boolean }>(
    net,
    { name: 'disconnect', usage: '[OPTIONS] NETWORK CONTAINER', description: 'Disconnect a container from a network', args: { exactly: 2 } },
    ([network, container], f) => networksOf(ctx).disconnect(network!, container!, Boolean(f.force)),
  ).option('-f, --force', 'Force the container to disconnect from a network');
}
