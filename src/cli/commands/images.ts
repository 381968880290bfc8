/** `wharf images` / `wharf image ls`: list images like `docker images`. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand, filterOption, managementCommand, parseFilters } from '../command-kit.js';

interface ImagesOptions {
  all?: boolean;
  digests?: boolean;
  filter: string[];
  format?: string;
  trunc: boolean;
  quiet?: boolean;
}

async function runImages(ctx: CliContext, args: string[], opts: ImagesOptions): Promise<void> {
  const { renderRows, QUIET_FORMAT, isTableFormat } = await import('../format/formatter.js');
  const { imageRows, IMAGE_HEADER, DEFAULT_IMAGE_TABLE_FORMAT, DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST } = await import('../format/image-context.js');
  const filters = parseFilters(opts.filter);
  if (args[0]) filters.reference = [...(filters.reference ?? []), args[0]];
  const images = await ctx.client().images.list({ all: opts.all, filters });
  // docker's NewImageFormat
  let format = opts.format || 'table';
  if (format === 'table') format = opts.quiet ? QUIET_FORMAT : opts.digests ? DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST : DEFAULT_IMAGE_TABLE_FORMAT;
  else if (isTableFormat(format) && opts.digests && !format.includes('{{.Digest}}')) format += '\t{{.Digest}}';
  const rows = imageRows(images, { digests: Boolean(opts.digests), trunc: opts.trunc });
  ctx.out(renderRows(format, rows, IMAGE_HEADER));
}

function declare(parent: Command, name: string, aliases: string[], ctx: CliContext): void {
  const cmd = defineCommand<ImagesOptions>(
    parent,
    { name, aliases, usage: '[OPTIONS] [REPOSITORY[:TAG]]', description: 'List images', args: { max: 1 } },
    (args, opts) => runImages(ctx, args, opts),
  );
  cmd
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('--digests', 'Show digests')
    .addOption(filterOption('-f, --filter <filter>', "Filter output based on conditions provided"))
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'images', [], ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'ls', ['list'], ctx);
}
