/** `wharf version`: client and server versions, docker's layout and `--format` data. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ format?: string }>(
    program,
    { name: 'version', usage: '[OPTIONS]', description: 'Show the Wharf version information', args: { none: true } },
    async (_args, opts) => {
      const { runVersion } = await import('../format/version-output.js');
      await runVersion(ctx, opts.format);
    },
  ).option('-f, --format <string>', 'Format output using a custom template');
}
