/** `wharf volume rm` and `wharf volume prune`. */
import type { Command } from 'commander';
import { compareApiVersions } from '../../spec/engine/api-version.js';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand, filterOption, parseFilters } from '../command-kit.js';
import { confirm } from '../prompt.js';
import { volumeCommand, volumesOf } from './volume-command.js';

async function runRm(ctx: CliContext, names: string[], force: boolean): Promise<void> {
  const errors: string[] = [];
  for (const n of names) {
    try {
      // With force the daemon itself answers 204 for a missing volume (docker prints its name).
      await volumesOf(ctx).remove(n, force);
      ctx.out(`${n}\n`);
    } catch (e) {
      errors.push(errorText(e));
    }
  }
  if (errors.length) throw new CliError(errors.join('\n'));
}

const ANONYMOUS_WARNING = 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?';
const ALL_WARNING = 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?';

interface PruneFlags {
  all?: boolean;
  force?: boolean;
  filter: string[];
}

async function runPrune(ctx: CliContext, f: PruneFlags): Promise<void> {
  const { humanSize } = await import('../format/units.js');
  const version = await ctx.client().apiVersion();
  const modern = compareApiVersions(version, '1.42') >= 0;
  // docker hides and refuses flags newer than the daemon's API.
  if (f.all && !modern) throw new CliError(`"--all" requires API version 1.42, but the Docker daemon API version is ${version}`);
  const filters = parseFilters(f.filter);
  // Before API 1.42 the daemon prunes named volumes too, and docker's warning says so.
  let warning = modern ? ANONYMOUS_WARNING : ALL_WARNING;
  if (f.all) {
    if (filters.all) throw new CliError('conflicting options: cannot specify both --all and --filter all=1');
    filters.all = ['true'];
    warning = ALL_WARNING;
  }
  if (!f.force && !(await confirm(ctx, warning))) return;
  const report = await volumesOf(ctx).prune(filters);
  const deleted = report.VolumesDeleted ?? [];
  let reclaimed = 0;
  if (deleted.length) {
    ctx.out(`Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
    reclaimed = report.SpaceReclaimed ?? 0;
  }
  ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}

export function register(program: Command, ctx: CliContext): void {
  const vol = volumeCommand(program);
  defineCommand<{ force?: boolean }>(
    vol,
    { name: 'rm', aliases: ['remove'], usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Remove one or more volumes', args: { min: 1 } },
    (args, f) => runRm(ctx, args, Boolean(f.force)),
  ).option('-f, --force', 'Force the removal of one or more volumes');
  defineCommand<PruneFlags>(
    vol,
    { name: 'prune', usage: '[OPTIONS]', description: 'Remove unused local volumes', args: { none: true } },
    (_args, f) => runPrune(ctx, f),
  )
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones')
    .addOption(filterOption('--filter <filter>', 'Provide filter values (e.g. "label=<label>")'))
    .option('-f, --force', 'Do not prompt for confirmation');
}
