/** `wharf kill` / `wharf container kill`: send a signal (default KILL) to running containers. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { forEachContainer } from '../containers/for-each-container.js';

function declare(parent: Command, ctx: CliContext): void {
  defineCommand<{ signal?: string }>(
    parent,
    { name: 'kill', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Kill one or more running containers', args: { min: 1 } },
    (names, flags) => forEachContainer(ctx, names, (name) => ctx.client().containers.kill(name, flags.signal), { parallel: true }),
  ).option('-s, --signal <string>', 'Signal to send to the container');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
