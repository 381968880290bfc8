/** `wharf system df`: disk usage per object type. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand, managementCommand } from '../command-kit.js';

async function runDf(ctx: CliContext, opts: { verbose?: boolean; format?: string }): Promise<void> {
  const { renderDiskUsage } = await import('../format/disk-usage.js');
  const du = await ctx.client().system.df();
  ctx.out(renderDiskUsage(du, opts.format || 'table', Boolean(opts.verbose)));
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ verbose?: boolean; format?: string }>(
    managementCommand(program, 'system', 'Manage Wharf'),
    { name: 'df', usage: '[OPTIONS]', description: 'Show wharf disk usage', args: { none: true } },
    (_args, opts) => runDf(ctx, opts),
  )
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
    .option('-v, --verbose', 'Show detailed information on space usage');
}
