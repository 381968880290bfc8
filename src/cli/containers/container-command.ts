import type { Command } from 'commander';
import { managementCommand } from '../command-kit.js';

/**
 * The `container` management command (`wharf container ls`, …), created on first use. Positional
 * options are enabled on it so `container run`/`container exec` can pass the container's own
 * flags through, as they do at the top level.
 */
export function containerCommand(program: Command): Command {
  return managementCommand(program, 'container', 'Manage containers').enablePositionalOptions();
}
