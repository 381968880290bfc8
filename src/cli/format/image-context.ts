/**
 * docker's image formatter (cli/command/formatter/image.go): one row per repository:tag (and
 * digest with --digests), `<none>` rows for dangling images, docker's column titles.
 */
import { GO_TYPE } from '../../lib/gotemplate/index.js';
import type { ImageSummary } from '../../spec/engine/types.js';
import { familiarName, parseNormalizedNamed } from '../../spec/reference.js';
import { FormatContext, truncateID } from './formatter.js';
import { goTimeString, humanSize, humanSizeWithPrecision, timeAgo } from './units.js';

export const DEFAULT_IMAGE_TABLE_FORMAT =
  'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
export const DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST =
  'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';

/** Column titles of image tables. */
export const IMAGE_HEADER: Record<string, string> = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

const FIELDS = ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize'];

/** One image row, with docker's fields as getters. */
export class ImageContext extends FormatContext {
  readonly [GO_TYPE] = '*formatter.imageContext';

  constructor(
    private readonly i: ImageSummary,
    private readonly opts: { repo: string; tag: string; digest: string; trunc: boolean },
  ) {
    super();
  }

  protected fields() {
    return FIELDS;
  }
  get ID() {
    return this.opts.trunc ? truncateID(this.i.Id) : this.i.Id;
  }
  get Repository() {
    return this.opts.repo;
  }
  get Tag() {
    return this.opts.tag;
  }
  get Digest() {
    return this.opts.digest;
  }
  get CreatedSince() {
    return timeAgo(this.i.Created);
  }
  get CreatedAt() {
    return goTimeString(this.i.Created);
  }
  get Size() {
    return humanSizeWithPrecision(this.i.Size, 3);
  }
  get VirtualSize() {
    return humanSize(this.i.VirtualSize ?? this.i.Size);
  }
  get Containers() {
    return this.i.Containers === -1 ? 'N/A' : String(this.i.Containers);
  }
  get SharedSize() {
    return this.i.SharedSize === -1 ? 'N/A' : humanSize(this.i.SharedSize);
  }
  get UniqueSize() {
    return this.i.SharedSize === -1 ? 'N/A' : humanSize(this.i.Size - this.i.SharedSize);
  }
}

/** docker's isDangling: no tags and digests, or only `<none>` placeholders. */
export function isDangling(img: ImageSummary): boolean {
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>';
}

function groupByRepo(refs: readonly string[], part: 'tag' | 'digest'): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const s of refs) {
    try {
      const ref = parseNormalizedNamed(s);
      const v = part === 'tag' ? ref.tag : ref.digest;
      if (!v) continue;
      const name = familiarName(ref);
      m.set(name, [...(m.get(name) ?? []), v]);
    } catch {
      // docker skips references it cannot parse
    }
  }
  return m;
}

/** The rows docker prints for a list of images (imageFormat). */
export function imageRows(images: readonly ImageSummary[], opts: { digests: boolean; trunc: boolean }): ImageContext[] {
  const rows: ImageContext[] = [];
  for (const img of images) {
    const add = (repo: string, tag: string, digest: string) => rows.push(new ImageContext(img, { repo, tag, digest, trunc: opts.trunc }));
    if (isDangling(img)) {
      add('<none>', '<none>', '<none>');
      continue;
    }
    const repoTags = groupByRepo(img.RepoTags ?? [], 'tag');
    const repoDigests = groupByRepo(img.RepoDigests ?? [], 'digest');
    // Go iterates maps in random order; sort the repositories for a stable listing.
    for (const repo of [...repoTags.keys()].sort()) {
      const digests = opts.digests ? (repoDigests.get(repo) ?? []) : [];
      repoDigests.delete(repo);
      for (const tag of repoTags.get(repo) ?? []) {
        if (digests.length === 0) add(repo, tag, '<none>');
        else for (const d of digests) add(repo, tag, d);
      }
    }
    for (const repo of [...repoDigests.keys()].sort()) {
      if (opts.digests) for (const d of repoDigests.get(repo) ?? []) add(repo, '<none>', d);
      else add(repo, '<none>', '');
    }
  }
  return rows;
}
