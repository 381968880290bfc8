/** The `volume` management command and the client's volume endpoints, shared by the `volume *` commands. */
import type { Command } from 'commander';
import { VolumesApi } from '../../client/volumes-api.js';
import type { CliContext } from '../cli-context.js';
import { managementCommand } from '../command-kit.js';

/** `wharf volume` (created on first use). */
export function volumeCommand(program: Command): Command {
  return managementCommand(program, 'volume', 'Manage volumes');
}

/** The volume endpoints of the daemon the context talks to. */
export function volumesOf(ctx: CliContext): VolumesApi {
  return new VolumesApi(ctx.client());
}
