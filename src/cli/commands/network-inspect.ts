/** `wharf network inspect`: the daemon's JSON for networks, or a Go template per network. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { networkCommand } from './network-command.js';

async function runInspect(ctx: CliContext, names: string[], format: string | undefined): Promise<void> {
  const { renderInspect, parseInspectFormat } = await import('../format/inspect-output.js');
  if (format && format !== 'json') parseInspectFormat(format);
  const found = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(await ctx.client().objects.network(n));
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
  defineCommand<{ format?: string; verbose?: boolean }>(
    networkCommand(program),
    { name: 'inspect', usage: '[OPTIONS] NETWORK [NETWORK...]', description: 'Display detailed information on one or more networks', args: { min: 1 } },
    (args, f) => runInspect(ctx, args, f.format),
  )
    .option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template")
    .option('-v, --verbose', 'Verbose output for diagnostics');
}
