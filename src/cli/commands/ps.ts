/** `wharf ps` / `wharf container ls|list|ps`: list containers like `docker ps`. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, filterOption, parseFilters } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { goParseInt } from '../run/go-parse.js';

interface PsFlags {
  all?: boolean;
  filter: string[];
  format?: string;
  last: number;
  latest?: boolean;
  trunc: boolean;
  quiet?: boolean;
  size?: boolean;
}

async function runPs(ctx: CliContext, flags: PsFlags): Promise<void> {
  const { renderRows } = await import('../format/formatter.js');
  const { parseDockerTemplate } = await import('../../lib/gotemplate/index.js');
  const { ContainerContext, containerFormat, containerHeader } = await import('../containers/container-context.js');
  let size = Boolean(flags.size);
  const format = flags.format ?? '';
  if (format) {
    // docker always validates a --format, and asks for sizes when the template reads .Size. It
    // runs the format as given ("json" is plain text then, "{{json .}}" reads every field).
    let tmpl: ReturnType<typeof parseDockerTemplate>;
    try {
      tmpl = parseDockerTemplate(format);
    } catch (e) {
      throw new CliError(`failed to parse template: ${(e as Error).message}`, { cause: e });
    }
    const probe = new ContainerContext({}, false);
    try {
      tmpl.execute(probe);
    } catch (e) {
      throw new CliError(`failed to execute template: ${(e as Error).message}`, { cause: e });
    }
    if (!flags.quiet && flags.size === undefined && probe.sizeUsed) size = true;
    if (flags.quiet && format !== 'table' && format !== 'raw') ctx.err('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
  }
  const limit = flags.latest && flags.last === -1 ? 1 : flags.last;
  const containers = await ctx.client().containers.list({ all: flags.all, limit, size, filters: parseFilters(flags.filter) });
  const rows = containers.map((c) => new ContainerContext(c, flags.trunc));
  ctx.out(renderRows(containerFormat(format, Boolean(flags.quiet), size), rows, containerHeader()));
}

function declare(parent: Command, ctx: CliContext, name: string, aliases: string[]): void {
  const lastParser = (v: string) => {
    try {
      return goParseInt(v, 0, 64);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
  defineCommand<PsFlags>(parent, { name, aliases, usage: '[OPTIONS]', description: 'List containers', args: { none: true } }, (_args, flags) => runPs(ctx, flags))
    .option('-a, --all', 'Show all containers (default shows just running)')
    .addOption(filterOption('-f, --filter <filter>', 'Filter output based on conditions provided'))
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
    .addOption(new Option('-n, --last <int>', 'Show n last created containers (includes all states)').argParser(lastParser).default(-1))
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes')
    .addOption(new Option('--no-size').hideHelp());
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx, 'ps', []);
  declare(containerCommand(program), ctx, 'ls', ['list', 'ps']);
}
