/** `wharf image inspect`: the daemon's JSON for images, or a Go template per image. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand, managementCommand } from '../command-kit.js';

async function runImageInspect(ctx: CliContext, names: string[], format: string | undefined): Promise<void> {
  const { renderInspect, parseInspectFormat } = await import('../format/inspect-output.js');
  if (format && format !== 'json') parseInspectFormat(format); // bad templates fail before any call
  const found = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(await ctx.client().objects.image(n));
    } catch (e) {
      errors.push(errorText(e));
    }
  }
  const r = renderInspect(found, format);
  ctx.out(r.output);
  errors.push(...r.errors);
  if (errors.length) throw new CliError(errors.join('\n'));
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ format?: string }>(
    managementCommand(program, 'image', 'Manage images'),
    { name: 'inspect', usage: '[OPTIONS] IMAGE [IMAGE...]', description: 'Display detailed information on one or more images', args: { min: 1 } },
    (args, opts) => runImageInspect(ctx, args, opts.format),
  ).option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template");
}
