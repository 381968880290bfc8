import type { Digest } from '../../../lib/digest.js';
import { WHARF_VERSION } from '../../../lib/version.js';
import type { ContainerConfig } from '../../../spec/engine/types.js';
import type { HistoryEntry, ImageConfigFile, ImageRunConfig } from '../../../spec/oci/image.js';
import { applyConfigChanges } from '../../images/config-changes.js';
import { goContainerConfig, goRFC3339Nano } from '../../images/go-shapes.js';
import { goArch } from '../../system/system-service.js';

/**
 * The run config of a committed image, as dockerd's CreateImageFromContainer makes it: the
 * request's config (or the container's own), `changes` applied like `docker import --change`, then
 * what it leaves unset filled from the container's config (moby's merge).
 */
export function commitRunConfig(requested: ContainerConfig | null | undefined, changes: readonly string[], container: ContainerConfig): ImageRunConfig {
  const c = applyConfigChanges((requested ?? container) as ImageRunConfig, changes);
  merge(c, container as ImageRunConfig);
  return c;
}

/** moby daemon/commit.go merge(userConf, imageConf). */
function merge(user: ImageRunConfig, image: ImageRunConfig): void {
  if (!user.User) user.User = image.User;
  if (!user.ExposedPorts || Object.keys(user.ExposedPorts).length === 0) user.ExposedPorts = image.ExposedPorts;
  else for (const p of Object.keys(image.ExposedPorts ?? {})) user.ExposedPorts[p] ??= {};
  if (!user.Env || user.Env.length === 0) user.Env = image.Env;
  else {
    const keys = new Set(user.Env.map((e) => e.split('=')[0]));
    for (const e of image.Env ?? []) if (!keys.has(e.split('=')[0])) user.Env.push(e);
  }
  user.Labels = { ...Object.fromEntries(Object.entries(image.Labels ?? {})), ...(user.Labels ?? {}) };
  if (!user.Entrypoint || user.Entrypoint.length === 0) {
    if (!user.Cmd || user.Cmd.length === 0) {
      user.Cmd = image.Cmd;
      user.ArgsEscaped = image.ArgsEscaped;
    }
    if (user.Entrypoint === undefined || user.Entrypoint === null) user.Entrypoint = image.Entrypoint;
  }
  if (image.Healthcheck) {
    if (!user.Healthcheck) user.Healthcheck = image.Healthcheck;
    else {
      const h = user.Healthcheck;
      if (!h.Test || h.Test.length === 0) h.Test = image.Healthcheck.Test;
      h.Interval ||= image.Healthcheck.Interval;
      h.Timeout ||= image.Healthcheck.Timeout;
      h.StartPeriod ||= image.Healthcheck.StartPeriod;
      h.Retries ||= image.Healthcheck.Retries;
    }
  }
  if (!user.WorkingDir) user.WorkingDir = image.WorkingDir;
  if (!user.Volumes || Object.keys(user.Volumes).length === 0) user.Volumes = image.Volumes;
  else Object.assign(user.Volumes, image.Volumes ?? {});
  if (!user.StopSignal) user.StopSignal = image.StopSignal;
}

export interface CommitConfigInput {
  parent: ImageConfigFile;
  config: ImageRunConfig;
  /** The container's config (`container_config`); its Cmd is the history's `created_by`. */
  containerConfig: ContainerConfig;
  containerId: string;
  author?: string;
  comment?: string;
  /** The new layer's diffID; undefined when the rw layer had no changes (an empty layer). */
  diffID?: Digest;
  /** RFC 3339 with nanoseconds. */
  created: string;
}

/**
 * The committed image's config bytes as dockerd writes them (image.NewChildImage, marshalled with
 * sorted keys): the parent's rootfs and history plus one entry, the container's config as
 * `container_config`, no top-level `comment` (dockerd leaves it unset; inspect reads the last
 * history entry's).
 */
export function commitConfigBytes(i: CommitConfigInput): Buffer {
  const entry: HistoryEntry = { created: i.created };
  if (i.author) entry.author = i.author;
  const createdBy = (i.containerConfig.Cmd ?? []).join(' ');
  if (createdBy) entry.created_by = createdBy;
  if (i.comment) entry.comment = i.comment;
  if (!i.diffID) entry.empty_layer = true;
  const cfg: Record<string, unknown> = {
    architecture: i.parent.architecture || goArch(),
    config: goContainerConfig(i.config),
    container: i.containerId,
    container_config: goContainerConfig(i.containerConfig as ImageRunConfig, true),
    created: i.created,
    docker_version: WHARF_VERSION,
    history: [...(i.parent.history ?? []).map(goHistory), goHistory(entry)],
    os: i.parent.os || 'linux',
    rootfs: { type: 'layers', diff_ids: [...(i.parent.rootfs?.diff_ids ?? []), ...(i.diffID ? [i.diffID] : [])] },
  };
  if (i.author) cfg.author = i.author;
  if (i.parent.variant) cfg.variant = i.parent.variant;
  if (i.parent['os.version']) cfg['os.version'] = i.parent['os.version'];
  if (i.parent['os.features']?.length) cfg['os.features'] = i.parent['os.features'];
  const sorted = Object.fromEntries(Object.keys(cfg).sort().map((k) => [k, cfg[k]]));
  return Buffer.from(JSON.stringify(sorted));
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
