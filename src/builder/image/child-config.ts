import type { Digest } from '../../lib/digest.js';
import { goJSON } from '../../lib/go-json.js';
import { WHARF_VERSION } from '../../lib/version.js';
import type { HistoryEntry, ImageConfigFile, ImageRunConfig } from '../../spec/oci/image.js';
import { goContainerConfig, goRFC3339Nano } from '../../services/images/go-shapes.js';
import { goArch } from '../../services/system/system-service.js';

export interface ChildImageInput {
  /** The image this step builds on; undefined on `FROM scratch`. */
  parent: ImageConfigFile | undefined;
  /** The image's run config after the step. */
  config: ImageRunConfig;
  /** What the step "ran": Cmd is the history's created_by (`/bin/sh -c #(nop) …`). */
  containerConfig: ImageRunConfig;
  /** The build container of a RUN; none for config-only and COPY steps. */
  containerId?: string;
  /** MAINTAINER of the stage so far. */
  author?: string;
  /** The step's layer; undefined when it changed no file (an empty_layer history entry). */
  diffID?: Digest;
  /** RFC 3339 with nanoseconds. */
  created: string;
}

/**
 * The config bytes of a build step's image as dockerd's image.NewChildImage writes them: the
 * parent's rootfs and history plus one entry, top-level keys sorted (Go marshals the struct
 * through a map), `container_config` always present, `container` and `author` only when set.
 */
export function childImageConfig(i: ChildImageInput): Buffer {
  const p = i.parent;
  const entry: HistoryEntry = { created: i.created };
  if (i.author) entry.author = i.author;
  const createdBy = (i.containerConfig.Cmd ?? []).join(' ');
  if (createdBy) entry.created_by = createdBy;
  if (!i.diffID) entry.empty_layer = true;
  const cfg: Record<string, unknown> = {
    architecture: p?.architecture || goArch(),
    config: goContainerConfig(i.config),
    container_config: goContainerConfig(i.containerConfig, true),
    created: i.created,
    docker_version: WHARF_VERSION,
    history: [...(p?.history ?? []).map(goHistory), goHistory(entry)],
    os: p?.os || 'linux',
    rootfs: { type: 'layers', diff_ids: [...(p?.rootfs?.diff_ids ?? []), ...(i.diffID ? [i.diffID] : [])] },
  };
  if (i.author) cfg.author = i.author;
  if (i.containerId) cfg.container = i.containerId;
  if (p?.variant) cfg.variant = p.variant;
  if (p?.['os.version']) cfg['os.version'] = p['os.version'];
  if (p?.['os.features']?.length) cfg['os.features'] = p['os.features'];
  const sorted = Object.fromEntries(Object.keys(cfg).sort().map((k) => [k, cfg[k]]));
  return Buffer.from(goJSON(sorted));
}

/** A history entry as Go's image.History encodes it (field order, omitempty, time re-encoded). */
function goHistory(h: HistoryEntry): HistoryEntry {
  const out: HistoryEntry = { created: goRFC3339Nano(h.created) };
  if (h.author) out.author = h.author;
  if (h.created_by) out.created_by = h.created_by;
  if (h.comment) out.comment = h.comment;
  if (h.empty_layer) out.empty_layer = true;
  return out;
}
