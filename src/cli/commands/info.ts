/** `wharf info` / `wharf system info`: system-wide information, docker's layout. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand, managementCommand } from '../command-kit.js';

function declare(parent: Command, ctx: CliContext): void {
  defineCommand<{ format?: string }>(
    parent,
    { name: 'info', usage: '[OPTIONS]', description: 'Display system-wide information', args: { none: true } },
    async (_args, opts) => {
      const { runInfo } = await import('../format/info-output.js');
      await runInfo(ctx, opts.format);
    },
  ).option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template");
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(managementCommand(program, 'system', 'Manage Wharf'), ctx);
}
