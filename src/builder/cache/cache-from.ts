/**
 * `--cache-from` (moby image/cache ImageCache): images given as cache sources are matched by
 * their history, so an image that was pulled or loaded — without the parent chain a local build
 * leaves — still serves as cache. A source matches a step when its history starts with the
 * current image's history and layers, and its next entry's created_by is the step's Cmd. The
 * step's image is then the source itself (its last step: it gets the current image as parent)
 * or an image restored from the source's history and layers (a new config, layers shared).
 */
import type { ImageRecord } from '../../core/images/image-store.js';
import type { Digest } from '../../lib/digest.js';
import { goJSON } from '../../lib/go-json.js';
import { WHARF_VERSION } from '../../lib/version.js';
import type { HistoryEntry, ImageConfigFile, ImageRunConfig } from '../../spec/oci/image.js';
import { goContainerConfig, unixNanos } from '../../services/images/go-shapes.js';
import { storeImageBlobs } from '../../services/images/image-records.js';
import type { BuildImages } from '../image/build-images.js';
import type { StepParent } from '../image/step-committer.js';

/** A cache source: an image and its config. */
export interface CacheSource {
  record: ImageRecord;
  config: ImageConfigFile;
}

/** History entries equal as Go's DeepEqual sees them: times by value (their text may differ in trailing zeros). */
const sameHistory = (a: HistoryEntry, b: HistoryEntry) =>
  unixNanos(a.created) === unixNanos(b.created) &&
  (a.created_by ?? '') === (b.created_by ?? '') &&
  (a.author ?? '') === (b.author ?? '') &&
  (a.comment ?? '') === (b.comment ?? '') &&
  Boolean(a.empty_layer) === Boolean(b.empty_layer);

/** moby isValidParent: the source's history and layers start with the parent's. */
function startsWith(source: ImageConfigFile, parent: ImageConfigFile | undefined): boolean {
  const sh = source.history ?? [];
  if (sh.length === 0) return false;
  const ph = parent?.history ?? [];
  const pd = parent?.rootfs?.diff_ids ?? [];
  if (!parent || (ph.length === 0 && pd.length === 0)) return true;
  const sd = source.rootfs?.diff_ids ?? [];
  if (ph.length >= sh.length || pd.length > sd.length) return false;
  return ph.every((h, i) => sameHistory(h, sh[i]!)) && pd.every((d, i) => d === sd[i]);
}

/** How many layers the first `n` history entries of a config add. */
const layersBefore = (c: ImageConfigFile, n: number) => (c.history ?? []).slice(0, n).filter((h) => !h.empty_layer).length;

export class CacheFrom {
  constructor(
    private sources: CacheSource[],
    private readonly images: BuildImages,
  ) {}

  /** The image for a step on `parent` whose container config is `cfg`, from the sources; undefined on a miss. */
  async probe(parent: StepParent, cfg: ImageRunConfig): Promise<Digest | undefined> {
    const n = parent.config?.history?.length ?? 0;
    const createdBy = (cfg.Cmd ?? []).join(' ');
    for (const src of this.sources) {
      const h = src.config.history ?? [];
      if (!startsWith(src.config, parent.config) || (h[n]?.created_by ?? '') !== createdBy) continue;
      if (h.length - 1 === n) {
        await this.setParent(src.record, parent.record?.id);
        return src.record.id;
      }
      // Stay on this source from now on (moby: avoid jumping between targets).
      this.sources = [src];
      return this.restore(parent, src, cfg, n);
    }
    return undefined;
  }

  private async setParent(r: ImageRecord, parent: Digest | undefined): Promise<void> {
    if (!parent || r.parent === parent) return;
    const svc = this.images.service;
    await svc.lock.run(async () => {
      const current = svc.store.get(r.id);
      if (current) await svc.store.put({ ...current, parent });
    });
  }

  /** moby restoreCachedImage: the parent plus the source's entry `n` (and its layer, if any). */
  private async restore(parent: StepParent, src: CacheSource, cfg: ImageRunConfig, n: number): Promise<Digest> {
    const entry = src.config.history![n]!;
    const layers = [...(parent.record?.layers ?? [])];
    if (!entry.empty_layer) layers.push(src.record.layers[layersBefore(src.config, n)]!);
    const history = [...(parent.config?.history ?? []), entry];
    const cfgFile: Record<string, unknown> = {
      architecture: src.config.architecture,
      config: goContainerConfig(cfg),
      container_config: goContainerConfig(undefined, true),
      created: entry.created,
      docker_version: WHARF_VERSION,
      history,
      os: src.config.os,
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    };
    if (src.config.author) cfgFile.author = src.config.author;
    const configBytes = Buffer.from(goJSON(Object.fromEntries(Object.keys(cfgFile).sort().map((k) => [k, cfgFile[k]]))));
    const svc = this.images.service;
    return svc.lock.run(async () => {
      const record = await storeImageBlobs(this.images.content, { configBytes, config: JSON.parse(configBytes.toString('utf8')), layers, parent: parent.record?.id });
      await svc.commitImage(record, [], false);
      return record.id;
    });
  }
}
