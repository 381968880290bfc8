/** `wharf image inspect`: the daemon's JSON for images, or a Go template per image. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand, managementCommand } from '../command-kit.js';

async function runImageInspect(ctx: CliContext, names: string[], format: string | undefined): Promise<void> {
  const { inspectEach } = await import('../format/inspect-output.js');
  await inspectEach((s) => ctx.out(s), names, format, (n) => ctx.client().objects.image(n));
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ format?: string }>(
    managementCommand(program, 'image', 'Manage images'),
    { name: 'inspect', usage: '[OPTIONS] IMAGE [IMAGE...]', description: 'Display detailed information on one or more images', args: { min: 1 } },
    (args, opts) => runImageInspect(ctx, args, opts.format),
  ).option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template");
}
