/**
 * `system df` as the docker CLI prints it (cli/command/formatter/disk_usage.go): a summary row per
 * object type, or with `-v` one table per type.
 */
import { GO_TYPE } from '../../lib/gotemplate/index.js';
import type { ContainerSummary, SystemDataUsageResponse, Volume } from '../../spec/engine/types.js';
import { familiarName, parseNormalizedNamed } from '../../spec/reference.js';
import { ellipsis, FormatContext, isTableFormat, renderRows, truncateID } from './formatter.js';
import { IMAGE_HEADER, ImageContext, isDangling } from './image-context.js';
import { goQuote } from '../../lib/gotemplate/index.js';
import { humanSize, humanSizeWithPrecision, timeAgo } from './units.js';

const SUMMARY_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const SUMMARY_HEADER = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
const IMAGES_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';
const CONTAINERS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const CONTAINER_HEADER = { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED', Status: 'STATUS', Names: 'NAMES' };
const VOLUMES_TABLE = 'table {{.Name}}\t{{.Links}}\t{{.Size}}';
const VOLUME_HEADER = { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' };
const CACHE_TABLE = 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}';
const CACHE_HEADER = { ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED' };

const withPercent = (part: number, total: number) => (total > 0 ? `${humanSize(part)} (${Math.trunc((part * 100) / total)}%)` : humanSize(part));
const isActive = (c: ContainerSummary) => /running|paused|restarting/.test(c.State ?? '');

/** One summary row (Images, Containers, Local Volumes, Build Cache). */
class SummaryContext extends FormatContext {
  readonly [GO_TYPE] = '*formatter.diskUsageContext';
  constructor(
    readonly Type: string,
    private readonly n: { total: number; active: number; size: string; reclaimable: string },
  ) {
    super();
  }
  protected fields() {
    return ['Active', 'Reclaimable', 'Size', 'TotalCount', 'Type'];
  }
  get TotalCount() {
    return String(this.n.total);
  }
  get Active() {
    return String(this.n.active);
  }
  get Size() {
    return this.n.size;
  }
  get Reclaimable() {
    return this.n.reclaimable;
  }
}

function summaryRows(du: SystemDataUsageResponse): SummaryContext[] {
  const images = du.Images ?? [];
  const layers = du.LayersSize ?? 0;
  let used = 0;
  for (const i of images) if (i.Containers !== 0 && i.Size !== -1 && i.SharedSize !== -1) used += i.Size - i.SharedSize;
  const containers = du.Containers ?? [];
  const cSize = containers.reduce((s, c) => s + (c.SizeRw ?? 0), 0);
  const cReclaim = containers.filter((c) => !isActive(c)).reduce((s, c) => s + (c.SizeRw ?? 0), 0);
  const vols = (du.Volumes ?? []).filter((v) => (v.UsageData?.Size ?? -1) !== -1);
  const vSize = vols.reduce((s, v) => s + (v.UsageData?.Size ?? 0), 0);
  const vReclaim = vols.filter((v) => v.UsageData?.RefCount === 0).reduce((s, v) => s + (v.UsageData?.Size ?? 0), 0);
  const cache = du.BuildCache ?? [];
  const builderSize = (du as { BuilderSize?: number }).BuilderSize ?? cache.reduce((s, b) => s + (b.Size ?? 0), 0);
  const cacheReclaim = cache.filter((b) => !b.InUse && !b.Shared).reduce((s, b) => s + (b.Size ?? 0), 0);
  return [
    new SummaryContext('Images', { total: images.length, active: images.filter((i) => i.Containers > 0).length, size: humanSize(layers), reclaimable: withPercent(layers - used, layers) }),
    new SummaryContext('Containers', { total: containers.length, active: containers.filter(isActive).length, size: humanSize(cSize), reclaimable: withPercent(cReclaim, cSize) }),
    new SummaryContext('Local Volumes', { total: (du.Volumes ?? []).length, active: (du.Volumes ?? []).filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, size: humanSize(vSize), reclaimable: withPercent(vReclaim, vSize) }),
    new SummaryContext('Build Cache', { total: cache.length, active: cache.filter((b) => b.InUse).length, size: humanSize(builderSize), reclaimable: humanSize(cacheReclaim) }),
  ];
}

/** A container row of `system df -v`. */
class ContainerContext extends FormatContext {
  readonly [GO_TYPE] = '*formatter.ContainerContext';
  constructor(private readonly c: ContainerSummary, private readonly trunc: boolean) {
    super();
  }
  protected fields() {
    return ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Ports', 'RunningFor', 'Size', 'State', 'Status'];
  }
  get ID() {
    return this.trunc ? truncateID(this.c.Id ?? '') : (this.c.Id ?? '');
  }
  get Image() {
    const image = this.c.Image ?? '';
    if (!image) return '<no image>';
    if (!this.trunc) return image;
    if (truncateID(this.c.ImageID ?? '') === truncateID(image)) return truncateID(image);
    try {
      const ref = parseNormalizedNamed(image);
      return ref.tag ? `${familiarName(ref)}:${ref.tag}` : familiarName(ref);
    } catch {
      return image;
    }
  }
  get Command() {
    const cmd = this.c.Command ?? '';
    return goQuote(this.trunc ? ellipsis(cmd, 20) : cmd);
  }
  get LocalVolumes() {
    return String((this.c.Mounts ?? []).filter((m) => m.Driver === 'local').length);
  }
  get Size() {
    return humanSizeWithPrecision(this.c.SizeRw ?? 0, 3);
  }
  get RunningFor() {
    return timeAgo(this.c.Created ?? 0);
  }
  get Status() {
    return this.c.Status ?? '';
  }
  get State() {
    return this.c.State ?? '';
  }
  get Names() {
    const names = (this.c.Names ?? []).map((n) => n.replace(/^\//, ''));
    const top = this.trunc ? names.find((n) => !n.includes('/')) : undefined;
    return (top !== undefined ? [top] : names).join(',');
  }
}

class VolumeContext extends FormatContext {
  readonly [GO_TYPE] = '*formatter.volumeContext';
  constructor(private readonly v: Volume) {
    super();
  }
  protected fields() {
    return ['Driver', 'Links', 'Name', 'Scope', 'Size'];
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
  get Links() {
    return this.v.UsageData ? String(this.v.UsageData.RefCount) : 'N/A';
  }
  get Size() {
    return !this.v.UsageData || this.v.UsageData.Size === -1 ? 'N/A' : humanSize(this.v.UsageData.Size);
  }
}

type CacheRecord = NonNullable<SystemDataUsageResponse['BuildCache']>[number];

class BuildCacheContext extends FormatContext {
  readonly [GO_TYPE] = '*formatter.buildCacheContext';
  constructor(private readonly b: CacheRecord, private readonly trunc: boolean) {
    super();
  }
  protected fields() {
    return ['CacheType', 'CreatedAt', 'CreatedSince', 'Description', 'ID', 'InUse', 'LastUsedAt', 'LastUsedSince', 'Parent', 'Shared', 'Size', 'UsageCount'];
  }
  get ID() {
    const id = this.trunc ? truncateID(this.b.ID ?? '') : (this.b.ID ?? '');
    return this.b.InUse ? `${id}*` : id;
  }
  get CacheType() {
    return this.b.Type ?? '';
  }
  get Size() {
    return humanSizeWithPrecision(this.b.Size ?? 0, 3);
  }
  get CreatedSince() {
    return timeAgo(Date.parse(this.b.CreatedAt ?? '') / 1000);
  }
  get LastUsedSince() {
    return this.b.LastUsedAt ? timeAgo(Date.parse(this.b.LastUsedAt) / 1000) : '';
  }
  get UsageCount() {
    return String(this.b.UsageCount ?? 0);
  }
  get Shared() {
    return String(Boolean(this.b.Shared));
  }
}

/** docker's buildCacheSort: never-used first, then by last use. */
function sortCache(cache: readonly CacheRecord[]): CacheRecord[] {
  const t = (r: CacheRecord) => (r.LastUsedAt ? Date.parse(r.LastUsedAt) : Number.NEGATIVE_INFINITY);
  return [...cache].sort((a, b) => t(a) - t(b));
}

/** Renders `system df` (summary or `-v`) with a format (`table` by default). */
export function renderDiskUsage(du: SystemDataUsageResponse, format: string, verbose: boolean): string {
  if (!verbose) return renderRows(format === 'table' ? SUMMARY_TABLE : format, summaryRows(du), SUMMARY_HEADER);
  const trunc = isTableFormat(format);
  const images = (du.Images ?? []).map((i) => {
    let repo = '<none>';
    let tag = '<none>';
    if ((i.RepoTags ?? []).length > 0 && !isDangling(i)) {
      try {
        const ref = parseNormalizedNamed(i.RepoTags[0]);
        if (ref.tag) [repo, tag] = [familiarName(ref), ref.tag];
      } catch {
        // docker skips the row's name when it cannot parse it
      }
    }
    return new ImageContext(i, { repo, tag, digest: '', trunc });
  });
  const containers = (du.Containers ?? []).map((c) => new ContainerContext(c, trunc));
  const volumes = (du.Volumes ?? []).map((v) => new VolumeContext(v));
  const cache = sortCache(du.BuildCache ?? []).map((b) => new BuildCacheContext(b, trunc));
  if (format !== 'table') {
    // A custom format gets all sections at once ({{range .Images}}…), with no newline added.
    return renderRows(format, [{ Images: images, Containers: containers, Volumes: volumes, BuildCache: cache }], {}).replace(/\n$/, '');
  }
  const builderSize = (du as { BuilderSize?: number }).BuilderSize ?? 0;
  return [
    'Images space usage:\n\n',
    renderRows(IMAGES_TABLE, images, IMAGE_HEADER),
    '\nContainers space usage:\n\n',
    renderRows(CONTAINERS_TABLE, containers, CONTAINER_HEADER),
    '\nLocal Volumes space usage:\n\n',
    renderRows(VOLUMES_TABLE, volumes, VOLUME_HEADER),
    `\nBuild cache usage: ${humanSize(builderSize)}\n\n`,
    renderRows(CACHE_TABLE, cache, CACHE_HEADER),
  ].join('');
}
