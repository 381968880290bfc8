/** `wharf network rm` and `wharf network prune`. */
import type { Command } from 'commander';
import { isKind } from '../../errdefs/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand, filterOption, parseFilters } from '../command-kit.js';
import { confirm } from '../prompt.js';
import { networkCommand, networksOf } from './network-command.js';

async function runRm(ctx: CliContext, names: string[], force: boolean): Promise<void> {
  const errors: string[] = [];
  for (const n of names) {
    try {
      await networksOf(ctx).remove(n);
      ctx.out(`${n}\n`);
    } catch (e) {
      // --force: a network that does not exist is not an error.
      if (force && isKind(e, 'NotFound')) continue;
      errors.push(errorText(e));
    }
  }
  // docker 28 prints each failure, then its StatusError ("exit status 1").
  if (errors.length) throw new CliError(`${errors.join('\n')}\nexit status 1`);
}

const PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';

async function runPrune(ctx: CliContext, f: { force?: boolean; filter: string[] }): Promise<void> {
  if (!f.force && !(await confirm(ctx, PRUNE_WARNING))) return;
  const report = await networksOf(ctx).prune(parseFilters(f.filter));
  const deleted = report.NetworksDeleted ?? [];
  if (deleted.length) ctx.out(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
}

export function register(program: Command, ctx: CliContext): void {
  const net = networkCommand(program);
  defineCommand<{ force?: boolean }>(
    net,
    { name: 'rm', aliases: ['remove'], usage: 'NETWORK [NETWORK...]', description: 'Remove one or more networks', args: { min: 1 } },
    (args, f) => runRm(ctx, args, Boolean(f.force)),
  ).option('-f, --force', 'Do not error if the network does not exist');
  defineCommand<{ force?: boolean; filter: string[] }>(
    net,
    { name: 'prune', usage: '[OPTIONS]', description: 'Remove all unused networks', args: { none: true } },
    (_args, f) => runPrune(ctx, f),
  )
    .addOption(filterOption('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")'))
    .option('-f, --force', 'Do not prompt for confirmation');
}
