/** `wharf image prune`: remove dangling (or, with -a, all unused) images. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand, filterOption, managementCommand, parseFilters } from '../command-kit.js';
import { confirm } from '../prompt.js';

const DANGLING_WARNING = 'WARNING! This will remove all dangling images.\nAre you sure you want to continue?';
const ALL_WARNING = 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?';

interface PruneOptions {
  all?: boolean;
  force?: boolean;
  filter: string[];
}

async function runPrune(ctx: CliContext, opts: PruneOptions): Promise<void> {
  const { humanSize } = await import('../format/units.js');
  const filters = parseFilters(opts.filter);
  filters.dangling = [String(!opts.all)];
  if (!opts.force && !(await confirm(ctx, opts.all ? ALL_WARNING : DANGLING_WARNING))) return;
  const report = await ctx.client().images.prune(filters);
  const deleted = report.ImagesDeleted ?? [];
  if (deleted.length > 0) {
    const lines = deleted.map((d) => (d.Untagged ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`));
    ctx.out(`Deleted Images:\n${lines.join('\n')}\n\n`);
  }
  ctx.out(`Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<PruneOptions>(
    managementCommand(program, 'image', 'Manage images'),
    { name: 'prune', usage: '[OPTIONS]', description: 'Remove unused images', args: { none: true } },
    (_args, opts) => runPrune(ctx, opts),
  )
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .addOption(filterOption('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")'))
    .option('-f, --force', 'Do not prompt for confirmation');
}
