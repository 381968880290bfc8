/** `wharf history` / `wharf image history`. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { addDefaultTrueFlag, defineCommand, managementCommand } from '../command-kit.js';

interface HistoryOptions {
  human: boolean;
  trunc: boolean;
  quiet?: boolean;
  format?: string;
}

async function runHistory(ctx: CliContext, image: string, opts: HistoryOptions): Promise<void> {
  const { renderRows } = await import('../format/formatter.js');
  const { HistoryContext, HISTORY_HEADER, historyFormat } = await import('../format/history-context.js');
  const history = await ctx.client().images.history(image);
  const format = historyFormat(opts.format || 'table', Boolean(opts.quiet), opts.human);
  const rows = history.map((h) => new HistoryContext(h, { trunc: opts.trunc, human: opts.human }));
  ctx.out(renderRows(format, rows, HISTORY_HEADER));
}

function declare(parent: Command, name: string, ctx: CliContext): void {
  const cmd = defineCommand<HistoryOptions>(
    parent,
    { name, usage: '[OPTIONS] IMAGE', description: 'Show the history of an image', args: { exactly: 1 } },
    (args, opts) => runHistory(ctx, args[0], opts),
  );
  addDefaultTrueFlag(cmd, '-H, --human', 'Print sizes and dates in human readable format');
  cmd
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'history', ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'history', ctx);
}
