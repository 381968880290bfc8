/**
 * The classic builder's layer cache (moby image/cache: LocalImageCache + compare): a step is a
 * hit when an image exists whose parent is the current image and whose `container_config`
 * matches the step's — the step's Cmd carries the instruction (`#(nop) ENV A=b`, a RUN's command
 * line with its build args, a COPY's source checksum), so parent + instruction (+ sources) decide.
 *
 * There is no separate index to keep consistent: the image store is the index. Every step's
 * image is an image record whose `parent` is the previous step's (hidden from `docker images`
 * unless `-a`, removed with its child by `rmi`, as Docker's intermediate images), persisted
 * crash-safely by the image store, so the cache survives a daemon restart by construction and
 * loses an entry exactly when its image is removed. Configs are immutable (their digest is the
 * image ID), so their comparison keys are memoised by ID.
 */
import type { ImageRecord, ImageStore } from '../../core/images/image-store.js';
import type { Digest } from '../../lib/digest.js';
import type { ImageConfigFile, ImageRunConfig } from '../../spec/oci/image.js';
import { unixNanos } from '../../services/images/go-shapes.js';

/** What a probe needs from the images. */
export interface CacheImages {
  store: Pick<ImageStore, 'children' | 'list' | 'get'>;
  readConfig(r: ImageRecord): Promise<ImageConfigFile>;
}

/**
 * The fields moby's compare() looks at, normalised so that equal configs give equal strings:
 * nil and empty lists/maps are the same, map keys sorted. `undefined` for a config that never
 * matches (OpenStdin). WorkingDir, Healthcheck, Shell, StopSignal… are not compared, as in
 * Docker (each of them is in the Cmd comment of the step that sets it).
 */
export function cacheKey(c: ImageRunConfig | null | undefined): string | undefined {
  if (!c || c.OpenStdin) return undefined;
  const keys = (m: Record<string, unknown> | null | undefined) => Object.keys(m ?? {}).sort();
  const labels = Object.entries(c.Labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    c.AttachStdout ?? false,
    c.AttachStderr ?? false,
    c.User ?? '',
    c.Tty ?? false,
    c.Cmd ?? [],
    c.Env ?? [],
    labels,
    keys(c.ExposedPorts),
    c.Entrypoint ?? [],
    keys(c.Volumes),
  ]);
}

/** Configs kept in memory at most (a few KiB each). */
const MEMO_LIMIT = 4096;

export class ImageCache {
  private readonly keys = new Map<Digest, { key: string | undefined; created: bigint }>();
  /** Configs read for probes; an image ID is the digest of its config, so they never go stale. */
  private readonly configs = new Map<Digest, ImageConfigFile>();

  constructor(private readonly images: CacheImages) {}

  /**
   * The image a step with `containerConfig` on `parent` made before (the newest if several), or
   * undefined. `parent` undefined is `FROM scratch`: then parentless images are the candidates.
   */
  async probe(parent: Digest | undefined, containerConfig: ImageRunConfig): Promise<Digest | undefined> {
    const want = cacheKey(containerConfig);
    if (want === undefined) return undefined;
    const candidates = parent ? this.images.store.children(parent) : this.images.store.list().filter((r) => !r.parent);
    let best: { id: Digest; created: bigint } | undefined;
    for (const r of candidates) {
      const k = await this.keyOf(r);
      if (k.key !== want) continue;
      if (!best || k.created > best.created) best = { id: r.id, created: k.created };
    }
    return best?.id;
  }

  /** The config of an image (memoised). */
  async config(r: ImageRecord): Promise<ImageConfigFile> {
    let c = this.configs.get(r.id);
    if (!c) {
      c = await this.images.readConfig(r);
      // A bound on memory for daemons with very many images: starting over costs only reads.
      if (this.configs.size >= MEMO_LIMIT) this.configs.clear();
      this.configs.set(r.id, c);
    }
    return c;
  }

  private async keyOf(r: ImageRecord): Promise<{ key: string | undefined; created: bigint }> {
    let k = this.keys.get(r.id);
    if (!k) {
      const cfg = await this.config(r);
      // A parentless candidate must be a first build step (one history entry): Docker only
      // considers images it built for FROM scratch, and an imported or loaded base image whose
      // container_config happens to match must never stand in for a step.
      const firstStep = r.parent !== undefined || (cfg.history?.length ?? 0) === 1;
      k = { key: firstStep ? cacheKey(cfg.container_config) : undefined, created: unixNanos(r.created) };
      this.keys.set(r.id, k);
    }
    return k;
  }
}
