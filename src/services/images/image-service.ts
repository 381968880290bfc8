import type { Readable, Writable } from 'node:stream';
import type { ContentStore } from '../../core/content/content-store.js';
import type { EventBus } from '../../core/events/events.js';
import type { ImageRecord, ImageStore } from '../../core/images/image-store.js';
import type { ImageUsage } from '../../core/images/image-usage.js';
import type { Snapshotter } from '../../core/snapshots/snapshotter.js';
import { invalidArgument, isKind, notFound } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import type { Logger } from '../../lib/logger.js';
import type { HistoryResponseItem, ImageDeleteResponseItem, ImageInspect, ImageSummary } from '../../spec/engine/types.js';
import type { ImageConfigFile } from '../../spec/oci/image.js';
import { familiarString, type NamedReference, parseNormalizedNamed, tagNameOnly, withTag } from '../../spec/reference.js';
import type { FilterArgs } from './image-filters.js';
import { type ImportOptions, importImage } from './image-importer.js';
import { historyView, inspectView } from './image-inspect.js';
import { layersSize, type ListOptions, listImages } from './image-list.js';
import { type PruneReport, pruneImages } from './image-pruner.js';
import { ImageRemover } from './image-remover.js';
import { BlobLeases } from './blob-leases.js';
import { loadImages, type MessageSink } from './image-loader.js';
import { resolveImage } from './image-resolver.js';
import { saveImages } from './image-saver.js';
import { LayerStore } from './layer-store.js';
import { Mutex } from './mutex.js';

export interface ImageServiceDeps {
  store: ImageStore;
  content: ContentStore;
  snapshots: Snapshotter;
  usage: ImageUsage;
  events: EventBus;
  log: Logger;
}

/** `system df`'s image part. */
export interface ImageDiskUsage {
  LayersSize: number;
  Images: ImageSummary[];
}

/**
 * The image use cases behind the Engine API's /images endpoints, with no HTTP in them: resolve,
 * list, inspect, history, tag, remove, prune, disk usage; import/load/save live beside it and use
 * its {@link ImageService.commitImage} and {@link ImageService.layers}.
 */
/** Image configs whose text ImageService keeps (a few KB each). */
const CACHED_CONFIGS = 32;

export class ImageService {
  readonly layers: LayerStore;
  /** Held while snapshots, blobs and records come and go (see Mutex). */
  readonly lock = new Mutex();
  /** Blobs of loads and imports in progress (see BlobLeases). */
  readonly leases = new BlobLeases();
  private readonly remover: ImageRemover;
  /** The raw JSON of recently read image configs, most recent last (see readConfig). */
  private readonly configs = new Map<string, string>();

  constructor(readonly deps: ImageServiceDeps) {
    this.layers = new LayerStore(deps.snapshots, deps.content, deps.log);
    this.remover = new ImageRemover({
      store: deps.store,
      usage: deps.usage,
      release: (r) => this.release(r),
      event: (action, id) => this.event(action, id, id),
    });
  }

  /**
   * Builds the service and removes what a crash left behind: temporary snapshots of interrupted
   * loads/imports and committed layers that no image record references.
   */
  static async open(deps: ImageServiceDeps): Promise<ImageService> {
    const svc = new ImageService(deps);
    const referenced = new Set<Digest>();
    for (const r of deps.store.list()) for (const l of r.layers) referenced.add(l.chainID);
    await svc.layers.collectGarbage(referenced);
    return svc;
  }

  get store(): ImageStore {
    return this.deps.store;
  }

  /**
   * Deletes what a failed pull or load made that no image references: the layers it committed
   * (`chainIDs`, last first) and the blobs of its lease. Under the lock, so an image committed
   * meanwhile keeps what it uses; the lease is released there, not before.
   */
  async discardUnreferenced(chainIDs: readonly Digest[], lease: { release(): Digest[] }): Promise<void> {
    await this.lock.run(async () => {
      const blobs = lease.release();
      if (blobs.length === 0 && chainIDs.length === 0) return;
      const used = new Set<Digest>();
      for (const r of this.deps.store.list()) {
        used.add(r.id);
        if (r.manifest) used.add(r.manifest.digest);
        for (const l of r.layers) {
          used.add(l.blob.digest);
          used.add(l.chainID);
        }
      }
      for (const chainID of [...chainIDs].reverse()) if (!used.has(chainID)) await this.layers.discard(chainID);
      for (const b of blobs) if (!used.has(b)) await this.deps.content.delete(b);
    });
  }

  /** Publishes an image event with Docker's attributes (`name` plus the image's labels). */
  event(action: string, id: Digest, name: string): void {
    const labels = this.deps.store.get(id)?.labels ?? {};
    this.deps.events.publish('image', action, { ID: id, Attributes: { ...labels, name } });
  }

  resolve(name: string): ImageRecord {
    return resolveImage(this.deps.store, name);
  }

  /**
   * The image's config. Configs are content-addressed, so the text of the last few read is kept
   * and parsed anew per call (callers may change what they get): every `docker run` reads one,
   * and a blob read is four thread-pool round trips on the create path.
   */
  async readConfig(r: ImageRecord): Promise<ImageConfigFile> {
    let text = this.configs.get(r.id);
    if (text === undefined) text = (await this.deps.content.readBytes(r.id)).toString('utf8');
    this.configs.delete(r.id);
    this.configs.set(r.id, text);
    for (const old of this.configs.keys()) {
      if (this.configs.size <= CACHED_CONFIGS) break;
      this.configs.delete(old);
    }
    return JSON.parse(text) as ImageConfigFile;
  }

  list(opts: ListOptions = {}): ImageSummary[] {
    return listImages(this.deps.store, this.deps.usage, opts);
  }

  async inspect(name: string): Promise<ImageInspect> {
    let r: ImageRecord;
    try {
      r = this.resolve(name);
    } catch (err) {
      // dockerd wraps the lookup error here: `no such image: X: No such image: X:latest`.
      if (isKind(err, 'NotFound')) throw notFound(`no such image: ${name}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
    const [cfg, graph] = await Promise.all([this.readConfig(r), this.layers.graphDriver(r.layers)]);
    return inspectView(this.deps.store, r, cfg, graph);
  }

  async history(name: string): Promise<HistoryResponseItem[]> {
    const r = this.resolve(name);
    return historyView(this.deps.store, r, await this.readConfig(r));
  }

  /** `POST /images/{name}/tag`: `repo` is parsed as Docker does; `tag` replaces its tag. */
  async tag(name: string, repo: string, tag: string | undefined): Promise<NamedReference> {
    let ref = parseNormalizedNamed(repo);
    if (ref.digest) throw invalidArgument('refusing to create a tag with a digest reference');
    if (tag) ref = withTag(ref, tag);
    ref = tagNameOnly(ref);
    const r = this.resolve(name);
    await this.deps.store.addRef(ref, r.id);
    this.event('tag', r.id, familiarString(ref));
    return ref;
  }

  async remove(name: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteResponseItem[]> {
    return this.lock.run(() => this.remover.remove(name, { force: opts.force, prune: !opts.noprune }));
  }

  async prune(filters: FilterArgs): Promise<PruneReport> {
    return this.lock.run(() => pruneImages(this.deps.store, this.remover, filters, this.deps.log));
  }

  /** `POST /images/create?fromSrc=`: see {@link importImage}. */
  importImage(body: Readable, opts: ImportOptions): Promise<Digest> {
    return importImage(this, body, opts);
  }

  /** `POST /images/load`: see {@link loadImages}. */
  load(body: Readable, out: MessageSink, quiet: boolean): Promise<void> {
    return loadImages(this, body, out, quiet);
  }

  /** `GET /images/get`: see {@link saveImages}. */
  save(names: string[], open: () => Writable): Promise<void> {
    return saveImages(this, names, open);
  }

  diskUsage(): ImageDiskUsage {
    return { LayersSize: layersSize(this.deps.store), Images: this.list({ withExtraAttrs: true }) };
  }

  /**
   * Records a new image whose layers are unpacked and blobs stored, then points `tags` at it
   * (`touch`: set its LastTagTime, as import does and load does not). Call with {@link lock}
   * held. Returns, per tag, the image it pointed at before.
   */
  async commitImage(record: ImageRecord, tags: NamedReference[], touch = true): Promise<Array<Digest | undefined>> {
    const existing = this.deps.store.get(record.id);
    // A reload of a known image keeps what is only known locally (parent, last tag time).
    await this.deps.store.put(existing ? { ...record, parent: record.parent ?? existing.parent, lastTagTime: existing.lastTagTime } : record);
    const previous: Array<Digest | undefined> = [];
    for (const t of tags) previous.push(await this.deps.store.addRef(t, record.id, touch));
    return previous;
  }

  /**
   * Deletes a record, then the snapshots and blobs no remaining image uses. Layers go top down
   * and stop at the first one still needed (another image's, or the parent of a container's
   * rootfs: the snapshotter refuses with Conflict). Returns the removed chainIDs, top first.
   */
  async release(r: ImageRecord): Promise<Digest[]> {
    await this.deps.store.delete(r.id);
    const remaining = this.deps.store.list();
    const usedChains = new Set<Digest>();
    const usedBlobs = new Set<Digest>();
    for (const o of remaining) {
      usedBlobs.add(o.id);
      if (o.manifest) usedBlobs.add(o.manifest.digest);
      for (const l of o.layers) {
        usedChains.add(l.chainID);
        usedBlobs.add(l.blob.digest);
      }
    }
    const removed = await this.layers.removeUnused(r.layers, usedChains);
    const blobs = [r.id, r.manifest?.digest, ...r.layers.map((l) => l.blob.digest)].filter((d): d is Digest => d !== undefined);
    for (const d of new Set(blobs)) if (!usedBlobs.has(d)) await this.deps.content.delete(d);
    return removed;
  }
}
