/** The `network` management command and the client's network endpoints, shared by the `network *` commands. */
import type { Command } from 'commander';
import { NetworksApi } from '../../client/networks-api.js';
import type { CliContext } from '../cli-context.js';
import { managementCommand } from '../command-kit.js';

/** `wharf network` (created on first use). */
export function networkCommand(program: Command): Command {
  return managementCommand(program, 'network', 'Manage networks');
}

/** The network endpoints of the daemon the context talks to. */
export function networksOf(ctx: CliContext): NetworksApi {
  return new NetworksApi(ctx.client());
}
