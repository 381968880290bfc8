/** `wharf restart` / `wharf container restart`: restart containers, one after the other as docker does. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { forEachContainer } from '../containers/for-each-container.js';
import { timeoutOptions } from './stop.js';

interface RestartFlags {
  signal?: string;
  timeout?: number;
  time?: number;
}

function declare(parent: Command, ctx: CliContext): void {
  const cmd = defineCommand<RestartFlags>(
    parent,
    { name: 'restart', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Restart one or more containers', args: { min: 1 } },
    (names, flags) =>
      forEachContainer(ctx, names, (name) => ctx.client().containers.restart(name, { timeout: flags.timeout ?? flags.time, signal: flags.signal })),
  );
  for (const o of timeoutOptions()) cmd.addOption(o);
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
