/** `wharf rmi` / `wharf image rm`: remove images, reporting each untag and delete. */
import type { Command } from 'commander';
import { isKind } from '../../errdefs/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand, managementCommand } from '../command-kit.js';

interface RmiOptions {
  force?: boolean;
  prune: boolean;
}

async function runRmi(ctx: CliContext, images: string[], opts: RmiOptions): Promise<void> {
  const errors: string[] = [];
  let fatal = false;
  for (const img of images) {
    try {
      const items = await ctx.client().images.remove(img, { force: opts.force, noPrune: !opts.prune });
      for (const d of items) ctx.out(d.Deleted ? `Deleted: ${d.Deleted}\n` : `Untagged: ${d.Untagged}\n`);
    } catch (e) {
      // With --force, images that do not exist are reported but do not fail the command.
      if (!isKind(e, 'NotFound') || !opts.force) fatal = true;
      errors.push(errorText(e));
    }
  }
  if (errors.length === 0) return;
  const msg = errors.join('\n');
  if (!opts.force || fatal) throw new CliError(msg);
  ctx.err(`${msg}\n`);
}

function declare(parent: Command, name: string, aliases: string[], ctx: CliContext): void {
  defineCommand<RmiOptions>(
    parent,
    { name, aliases, usage: '[OPTIONS] IMAGE [IMAGE...]', description: 'Remove one or more images', args: { min: 1 } },
    (args, opts) => runRmi(ctx, args, opts),
  )
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Do not delete untagged parents');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'rmi', [], ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'rm', ['rmi', 'remove'], ctx);
}
