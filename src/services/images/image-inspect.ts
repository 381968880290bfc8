import type { ImageRecord, ImageStore } from '../../core/images/image-store.js';
import type { HistoryResponseItem, ImageInspect } from '../../spec/engine/types.js';
import type { ImageConfigFile } from '../../spec/oci/image.js';
import { familiarString } from '../../spec/reference.js';
import { GO_ZERO_TIME, goContainerConfig, goRFC3339Nano, unixSeconds } from './go-shapes.js';

/** `GraphDriver` of inspect: overlay2 with the image's top layer directories. */
export interface GraphDriverView {
  Name: string;
  Data: Record<string, string>;
}

/**
 * `GET /images/{name}/json` as dockerd 20.10 builds it from the record and its config: the
 * config's run config and container_config re-encoded as Go does, RepoTags/RepoDigests as
 * familiar strings, Comment from the last history entry when the config has none.
 */
export function inspectView(store: ImageStore, r: ImageRecord, cfg: ImageConfigFile, graph: GraphDriverView): ImageInspect {
  const repoTags: string[] = [];
  const repoDigests: string[] = [];
  for (const ref of store.refsOf(r.id)) {
    if (ref.tag !== undefined) repoTags.push(familiarString(ref));
    if (ref.digest) repoDigests.push(familiarString(ref));
  }
  const history = cfg.history ?? [];
  const comment = cfg.comment || (history.length > 0 ? (history[history.length - 1]!.comment ?? '') : '');
  const view: Record<string, unknown> = {
    Id: r.id,
    RepoTags: repoTags,
    RepoDigests: repoDigests,
    Parent: r.parent ?? '',
    Comment: comment,
    Created: goRFC3339Nano(cfg.created),
    Container: cfg.container ?? '',
    ContainerConfig: goContainerConfig(cfg.container_config, true),
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: goContainerConfig(cfg.config),
    Architecture: cfg.architecture ?? '',
  };
  if (cfg.variant) view.Variant = cfg.variant;
  view.Os = cfg.os || 'linux';
  if (cfg['os.version']) view.OsVersion = cfg['os.version'];
  view.Size = r.size;
  view.VirtualSize = r.size;
  view.GraphDriver = { Data: graph.Data, Name: graph.Name };
  const rootfs: Record<string, unknown> = { Type: cfg.rootfs?.type ?? 'layers' };
  if ((cfg.rootfs?.diff_ids ?? []).length > 0) rootfs.Layers = cfg.rootfs.diff_ids;
  view.RootFS = rootfs;
  view.Metadata = { LastTagTime: r.lastTagTime ? goRFC3339Nano(r.lastTagTime) : GO_ZERO_TIME };
  return view as ImageInspect;
}

/**
 * `GET /images/{name}/history`, newest first as dockerd builds it: one row per config history
 * entry, sized by its layer unless it is an `empty_layer`; the top row carries the image ID and
 * tags, older rows `<missing>` (their intermediate images are not local) — walking `parent`
 * links where local parents exist.
 */
export function historyView(store: ImageStore, r: ImageRecord, cfg: ImageConfigFile): HistoryResponseItem[] {
  const rows: HistoryResponseItem[] = [];
  let layer = 0;
  for (const h of cfg.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      size = r.layers[layer]?.size ?? 0;
      layer++;
    }
    rows.unshift({ Comment: h.comment ?? '', Created: unixSeconds(h.created), CreatedBy: h.created_by ?? '', Id: '<missing>', Size: size, Tags: null as unknown as string[] });
  }
  let rec: ImageRecord | undefined = r;
  for (const row of rows) {
    if (!rec) break;
    row.Id = rec.id;
    const tags = store
      .refsOf(rec.id)
      .filter((ref) => ref.tag !== undefined)
      .map((ref) => familiarString(ref));
    row.Tags = (tags.length > 0 ? tags : null) as string[];
    rec = rec.parent ? store.get(rec.parent) : undefined;
  }
  return rows;
}
