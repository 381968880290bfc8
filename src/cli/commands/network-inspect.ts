/** `wharf network inspect`: the daemon's JSON for networks, or a Go template per network. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { networkCommand } from './network-command.js';

async function runInspect(ctx: CliContext, names: string[], format: string | undefined): Promise<void> {
  const { inspectEach } = await import('../format/inspect-output.js');
  await inspectEach((s) => ctx.out(s), names, format, (n) => ctx.client().objects.network(n));
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ format?: string; verbose?: boolean }>(
    networkCommand(program),
    { name: 'inspect', usage: '[OPTIONS] NETWORK [NETWORK...]', description: 'Display detailed information on one or more networks', args: { min: 1 } },
    (args, f) => runInspect(ctx, args, f.format),
  )
    .option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template")
    .option('-v, --verbose', 'Verbose output for diagnostics');
}
