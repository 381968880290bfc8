/** `wharf container prune`: remove all stopped containers. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand, filterOption, parseFilters } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { confirm } from '../prompt.js';

const WARNING = 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?';

async function runPrune(ctx: CliContext, flags: { force?: boolean; filter: string[] }): Promise<void> {
  const { humanSize } = await import('../format/units.js');
  if (!flags.force && !(await confirm(ctx, WARNING))) return;
  const report = await ctx.client().containers.prune(parseFilters(flags.filter));
  const deleted = report.ContainersDeleted ?? [];
  let reclaimed = 0;
  if (deleted.length) {
    ctx.out(`Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n`);
    reclaimed = report.SpaceReclaimed ?? 0;
  }
  ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ force?: boolean; filter: string[] }>(
    containerCommand(program),
    { name: 'prune', usage: '[OPTIONS]', description: 'Remove all stopped containers', args: { none: true } },
    (_args, flags) => runPrune(ctx, flags),
  )
    .addOption(filterOption('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")'))
    .option('-f, --force', 'Do not prompt for confirmation');
}
