/** `wharf network ls`: list networks with docker's columns, filters and formats. */
import type { Command } from 'commander';
import { GO_TYPE } from '../../lib/gotemplate/index.js';
import type { Network } from '../../spec/engine/types.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand, filterOption, parseFilters } from '../command-kit.js';
import { naturalCompare } from '../containers/natural-less.js';
import { FormatContext, truncateID } from '../format/formatter.js';
import { networkCommand, networksOf } from './network-command.js';

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
const HEADER: Record<string, string> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};
const FIELDS = ['CreatedAt', 'Driver', 'ID', 'IPv6', 'Internal', 'Labels', 'Name', 'Scope'];

/** One network row (docker's cli/command/formatter networkContext). */
class NetworkContext extends FormatContext {
  readonly [GO_TYPE] = '*network.networkContext';

  constructor(
    private readonly n: Network,
    private readonly trunc: boolean,
  ) {
    super();
  }

  protected fields() {
    return FIELDS;
  }
  get ID() {
    return this.trunc ? truncateID(this.n.Id ?? '') : (this.n.Id ?? '');
  }
  get Name() {
    return this.n.Name ?? '';
  }
  get Driver() {
    return this.n.Driver ?? '';
  }
  get Scope() {
    return this.n.Scope ?? '';
  }
  get IPv6() {
    return String(Boolean(this.n.EnableIPv6));
  }
  get Internal() {
    return String(Boolean(this.n.Internal));
  }
  get Labels() {
    return Object.entries(this.n.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  get CreatedAt() {
    // Go's time.Time String(): `2006-01-02 15:04:05.999999999 +0000 UTC`.
    const c = this.n.Created ?? '';
    return c.replace('T', ' ').replace(/Z$/, ' +0000 UTC');
  }
  /** `{{.Label "key"}}`. */
  Label(key: string) {
    return this.n.Labels?.[key] ?? '';
  }
}

interface LsFlags {
  filter: string[];
  format?: string;
  trunc: boolean;
  quiet?: boolean;
}

async function runLs(ctx: CliContext, f: LsFlags): Promise<void> {
  const { renderRows, QUIET_FORMAT } = await import('../format/formatter.js');
  const nets = (await networksOf(ctx).list(parseFilters(f.filter))).sort((a, b) => naturalCompare(a.Name ?? '', b.Name ?? ''));
  let format = f.format || 'table';
  if (format === 'table') format = f.quiet ? QUIET_FORMAT : DEFAULT_FORMAT;
  ctx.out(
    renderRows(
      format,
      nets.map((n) => new NetworkContext(n, f.trunc)),
      HEADER,
    ),
  );
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<LsFlags>(
    networkCommand(program),
    { name: 'ls', aliases: ['list'], usage: '[OPTIONS]', description: 'List networks', args: { none: true } },
    (_args, f) => runLs(ctx, f),
  )
    .addOption(filterOption('-f, --filter <filter>', 'Provide filter values (e.g. "driver=bridge")'))
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Only display network IDs');
}
