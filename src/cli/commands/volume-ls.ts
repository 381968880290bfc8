/** `wharf volume ls`: list volumes with docker's columns, filters and formats. */
import type { Command } from 'commander';
import { GO_TYPE } from '../../lib/gotemplate/index.js';
import type { Volume } from '../../spec/engine/types.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand, filterOption, parseFilters } from '../command-kit.js';
import { naturalCompare } from '../containers/natural-less.js';
import { FormatContext } from '../format/formatter.js';
import { humanSize } from '../format/units.js';
import { volumeCommand, volumesOf } from './volume-command.js';

const TABLE_FORMAT = 'table {{.Driver}}\t{{.Name}}';
const QUIET_FORMAT = '{{.Name}}';
const HEADER: Record<string, string> = {
  ID: 'ID',
  Name: 'VOLUME NAME',
  Group: 'GROUP',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Availability: 'AVAILABILITY',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
  Status: 'STATUS',
};
const FIELDS = ['Availability', 'Driver', 'Group', 'Labels', 'Links', 'Mountpoint', 'Name', 'Scope', 'Size', 'Status'];

/** One volume row (docker's cli/command/formatter volumeContext); cluster fields are N/A on a local engine. */
export class VolumeContext extends FormatContext {
  readonly [GO_TYPE] = '*formatter.volumeContext';

  constructor(private readonly v: Volume) {
    super();
  }

  protected fields() {
    return FIELDS;
  }
  get Name() {
    return this.v.Name;
  }
  get Driver() {
    return this.v.Driver;
  }
  get Scope() {
    return this.v.Scope;
  }
  get Mountpoint() {
    return this.v.Mountpoint;
  }
  get Labels() {
    return Object.entries(this.v.Labels ?? {})
      .map(([k, val]) => `${k}=${val}`)
      .join(',');
  }
  /** `{{.Label "key"}}`. */
  Label(key: string) {
    return this.v.Labels?.[key] ?? '';
  }
  get Links() {
    return this.v.UsageData ? String(this.v.UsageData.RefCount) : 'N/A';
  }
  get Size() {
    return this.v.UsageData ? humanSize(this.v.UsageData.Size) : 'N/A';
  }
  get Group() {
    return 'N/A';
  }
  get Availability() {
    return 'N/A';
  }
  get Status() {
    return 'N/A';
  }
}

interface LsFlags {
  filter: string[];
  format?: string;
  quiet?: boolean;
}

/** docker's NewVolumeFormat: `table` and `raw` have quiet and full variants; anything else is the template. */
function volumeFormat(source: string, quiet: boolean): string {
  if (source === 'table') return quiet ? QUIET_FORMAT : TABLE_FORMAT;
  if (source === 'raw') return quiet ? 'name: {{.Name}}' : 'name: {{.Name}}\\ndriver: {{.Driver}}\\n';
  return source;
}

async function runLs(ctx: CliContext, f: LsFlags): Promise<void> {
  const { renderRows } = await import('../format/formatter.js');
  const res = await volumesOf(ctx).list(parseFilters(f.filter));
  const vols = [...(res.Volumes ?? [])].sort((a, b) => naturalCompare(a.Name, b.Name));
  const format = f.format || 'table';
  ctx.out(
    renderRows(
      volumeFormat(format, Boolean(f.quiet)),
      vols.map((v) => new VolumeContext(v)),
      HEADER,
    ),
  );
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<LsFlags>(
    volumeCommand(program),
    { name: 'ls', aliases: ['list'], usage: '[OPTIONS]', description: 'List volumes', args: { none: true } },
    (_args, f) => runLs(ctx, f),
  )
    .option('-q, --quiet', 'Only display volume names')
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
    .addOption(filterOption('-f, --filter <filter>', "Provide filter values (e.g. 'dangling=true')"));
}
