/** `wharf container inspect`: the daemon's JSON for containers, or a Go template per container. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

async function runContainerInspect(ctx: CliContext, names: string[], flags: { format?: string; size?: boolean }): Promise<void> {
  const { renderInspect, parseInspectFormat } = await import('../format/inspect-output.js');
  if (flags.format && flags.format !== 'json') parseInspectFormat(flags.format); // bad templates fail before any call
  const found = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(await ctx.client().objects.container(n, { size: flags.size }));
    } catch (e) {
      errors.push(errorText(e));
    }
  }
  const r = renderInspect(found, flags.format);
  ctx.out(r.output);
  errors.push(...r.errors);
  if (errors.length) throw new CliError(errors.join('\n'));
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
