/**
 * docker's container formatter (cli/command/formatter/container.go) for `ps`: one row per
 * container with docker's fields, column titles and default table.
 */
import { GO_TYPE } from '../../lib/gotemplate/index.js';
import type { ContainerSummary } from '../../spec/engine/types.js';
import { familiarString, parseNormalizedNamed } from '../../spec/reference.js';
import { ellipsis, FormatContext, QUIET_FORMAT, truncateID } from '../format/formatter.js';
import { goTimeString, humanSizeWithPrecision, timeAgo } from '../format/units.js';
import { goQuote } from '../../lib/gotemplate/index.js';
import { displayablePorts } from './displayable-ports.js';

const DEFAULT_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
const RAW = `container_id: {{.ID}}
image: {{.Image}}
command: {{.Command}}
created_at: {{.CreatedAt}}
state: {{- pad .State 1 0}}
status: {{- pad .Status 1 0}}
names: {{.Names}}
labels: {{- pad .Labels 1 0}}
ports: {{- pad .Ports 1 0}}
`;

/** NewContainerFormat. */
export function containerFormat(source: string, quiet: boolean, size: boolean): string {
  if (source === 'table' || source === '') {
    if (quiet) return QUIET_FORMAT;
    return size ? `${DEFAULT_TABLE}\t{{.Size}}` : DEFAULT_TABLE;
  }
  if (source === 'raw') {
    if (quiet) return 'container_id: {{.ID}}';
    return size ? `${RAW}size: {{.Size}}\n` : RAW;
  }
  return quiet ? QUIET_FORMAT : source;
}

const TITLES: Record<string, string> = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
};

/** The header row's data: a struct with the titles, and docker's `Label` for `{{.Label "x"}}` columns. */
export function containerHeader(): Record<string, string> {
  return Object.assign(Object.create(null), TITLES, {
    [GO_TYPE]: 'formatter.SubHeaderContext',
    Label: (name: string) => (name.split('.').at(-1) ?? '').replace(/[-_]/g, ' '),
  });
}

const FIELDS = ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Platform', 'Ports', 'RunningFor', 'Size', 'State', 'Status'];

const sortedKeys = (o: Record<string, unknown> | undefined | null) => Object.keys(o ?? {}).sort();

/** One row of `ps`. */
export class ContainerContext extends FormatContext {
  readonly [GO_TYPE] = '*formatter.ContainerContext';
  /** Set when the template read `.Size` (docker then asks the daemon for sizes). */
  sizeUsed = false;

  constructor(
    private readonly c: ContainerSummary,
    private readonly trunc: boolean,
  ) {
    super();
  }

  protected fields() {
    return FIELDS;
  }
  get ID() {
    const id = this.c.Id ?? '';
    return this.trunc ? truncateID(id) : id;
  }
  get Names() {
    let names = (this.c.Names ?? []).map((n) => n.slice(1));
    // Legacy link names (`other/alias`) are left out when truncating.
    if (this.trunc) {
      const own = names.find((n) => n.split('/').length === 1);
      if (own !== undefined) names = [own];
    }
    return names.join(',');
  }
  get Image() {
    const image = this.c.Image ?? '';
    if (image === '') return '<no image>';
    if (!this.trunc) return image;
    const short = truncateID(this.c.ImageID ?? '');
    if (short === truncateID(image)) return short;
    try {
      const ref = parseNormalizedNamed(image);
      return familiarString({ domain: ref.domain, path: ref.path, tag: ref.tag });
    } catch {
      return image;
    }
  }
  get Command() {
    const cmd = this.c.Command ?? '';
    return goQuote(this.trunc ? ellipsis(cmd, 20) : cmd);
  }
  get CreatedAt() {
    return goTimeString(this.c.Created ?? 0);
  }
  get RunningFor() {
    return timeAgo(this.c.Created ?? 0);
  }
  get Ports() {
    return displayablePorts(this.c.Ports ?? []);
  }
  get State() {
    return this.c.State ?? '';
  }
  get Status() {
    return this.c.Status ?? '';
  }
  get Size() {
    this.sizeUsed = true;
    const srw = humanSizeWithPrecision(this.c.SizeRw ?? 0, 3);
    const rootfs = this.c.SizeRootFs ?? 0;
    return rootfs > 0 ? `${srw} (virtual ${humanSizeWithPrecision(rootfs, 3)})` : srw;
  }
  get Labels() {
    const labels = this.c.Labels ?? {};
    return sortedKeys(labels)
      .map((k) => `${k}=${labels[k]}`)
      .join(',');
  }
  Label(name: string) {
    return this.c.Labels?.[name] ?? '';
  }
  get Mounts() {
    return (this.c.Mounts ?? []).map((m) => (this.trunc ? ellipsis(m.Name || m.Source || '', 15) : m.Name || m.Source || '')).join(',');
  }
  get LocalVolumes() {
    return String((this.c.Mounts ?? []).filter((m) => m.Driver === 'local').length);
  }
  get Networks() {
    return sortedKeys(this.c.NetworkSettings?.Networks).join(',');
  }
  get Platform() {
    return null;
  }
}
