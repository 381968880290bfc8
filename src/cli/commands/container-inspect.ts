/** `wharf container inspect`: the daemon's JSON for containers, or a Go template per container. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

async function runContainerInspect(ctx: CliContext, names: string[], flags: { format?: string; size?: boolean }): Promise<void> {
  const { inspectEach } = await import('../format/inspect-output.js');
  await inspectEach((s) => ctx.out(s), names, flags.format, (n) => ctx.client().objects.container(n, { size: flags.size }));
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ format?: string; size?: boolean }>(
    containerCommand(program),
    { name: 'inspect', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Display detailed information on one or more containers', args: { min: 1 } },
    (args, flags) => runContainerInspect(ctx, args, flags),
  )
    .option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template")
    .option('-s, --size', 'Display total file sizes');
}
