import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ContentStore } from '../../core/content/content-store.js';
import type { LayerRecord } from '../../core/images/image-store.js';
import type { Snapshotter } from '../../core/snapshots/snapshotter.js';
import { errnoCode, invalidArgument, isKind, unavailable } from '../../errdefs/index.js';
import { type Digest, isDigest } from '../../lib/digest.js';
import type { Logger } from '../../lib/logger.js';
import { type ApplyLayerOptions, type AppliedSize, applyLayer } from '../../lib/tar/apply-layer.js';
import type { Descriptor } from '../../spec/oci/image.js';
import { diffSize } from './diff-size.js';
import type { GraphDriverView } from './image-inspect.js';

/** Snapshot keys of this service's temporary snapshots; leftovers are removed at start-up. */
const STAGE_PREFIX = 'images-stage-';
const UNPACK_PREFIX = 'images-unpack-';

/** A layer applied into a temporary snapshot before its place in a stack is known. */
export interface StagedLayer {
  key: string;
  diffID: Digest;
  /** Docker's DiffSize of the applied layer. */
  size: number;
}

const tempKey = (prefix: string) => `${prefix}${randomBytes(8).toString('hex')}`;

/**
 * Image layers as committed snapshots keyed by chainID, on top of the snapshotter contract:
 * unpacking (from a stream or from the content store), staging (apply first, place in the stack
 * later), reuse of layers already present, removal of unused ones, and the overlay2 view for
 * inspect. A layer is committed only after it was applied completely and its diffID checked, so a
 * chainID snapshot always holds exactly that layer stack.
 */
export class LayerStore {
  constructor(
    private readonly snapshots: Snapshotter,
    private readonly content: ContentStore,
    private readonly log: Logger,
  ) {}

  /** True when the committed snapshot for `chainID` exists. */
  async has(chainID: Digest): Promise<boolean> {
    try {
      return (await this.snapshots.stat(chainID)).kind === 'committed';
    } catch (err) {
      if (isKind(err, 'NotFound')) return false;
      throw err;
    }
  }

  /**
   * Fails when a blob about to be referenced by a new image is gone (a concurrent failed load
   * removed what it thought was its own): better no image than one whose blob is missing.
   */
  async requireBlob(digest: Digest): Promise<void> {
    if (!(await this.content.info(digest))) throw unavailable(`layer blob ${digest} was removed while the image was being created; try again`);
  }

  /** The DiffSize of a committed layer (for layers committed by someone else). */
  sizeOf(chainID: Digest): Promise<number> {
    return diffSize(this.snapshots.writableDir(chainID));
  }

  /** Applies a (decompressed or compressed) layer stream into a fresh parentless snapshot. */
  async stage(source: Readable): Promise<StagedLayer> {
    const { key, applied } = await this.stageWith(source, (dir, opts) => applyLayer(source, dir, opts));
    return { key, diffID: applied.diffID, size: applied.diffSize };
  }

  /**
   * Like {@link stage}, for an uncompressed tar stream whose bytes the caller hashes itself — a
   * tee into the content store, whose digest is then the diffID: a layer is hashed once, not
   * twice. Compressed input is refused (the hashed bytes must be the applied tar).
   */
  async stageUnhashed(source: Readable): Promise<Omit<StagedLayer, 'diffID'>> {
    const { key, applied } = await this.stageWith(source, (dir, opts) => applyLayer(source, dir, { ...opts, digest: false }));
    return { key, size: applied.diffSize };
  }

  /** Applies into a fresh snapshot, which starts empty: the apply's DiffSize is the layer's. */
  private async stageWith<T extends AppliedSize>(source: Readable, apply: (dir: string, opts: ApplyLayerOptions) => Promise<T>): Promise<{ key: string; applied: T }> {
    const key = tempKey(STAGE_PREFIX);
    await this.snapshots.prepare(key);
    try {
      return { key, applied: await apply(this.snapshots.writableDir(key), { whiteouts: 'overlay', warn: (m) => this.log.warn(m) }) };
    } catch (err) {
      source.destroy();
      await this.discard(key);
      throw err;
    }
  }

  /** Removes a staged (or any temporary) snapshot; never throws. */
  async discard(key: string): Promise<void> {
    await this.snapshots.remove(key).catch((err) => {
      if (!isKind(err, 'NotFound')) this.log.warn('removing temporary snapshot failed', { key, err: String(err) });
    });
  }

  /**
   * Commits a staged layer as `chainID` on `parent`: prepares the real snapshot on its parent and
   * moves the staged tree into it (renames within the snapshotter's filesystem: no data copied).
   * Returns false when the tree could not be moved (another filesystem); the caller then unpacks
   * from the content store.
   */
  async commitStaged(staged: StagedLayer, chainID: Digest, parent: Digest | undefined): Promise<boolean> {
    const key = tempKey(UNPACK_PREFIX);
    await this.snapshots.prepare(key, parent);
    try {
      const moved = await moveTree(this.snapshots.writableDir(staged.key), this.snapshots.writableDir(key));
      if (!moved) {
        await this.discard(key);
        return false;
      }
      await this.commitOrReuse(chainID, key);
    } catch (err) {
      await this.discard(key);
      throw err;
    } finally {
      await this.discard(staged.key);
    }
    return true;
  }

  /** Commits `key` as `chainID`; if a concurrent unpack committed it first, drops `key`. */
  private async commitOrReuse(chainID: Digest, key: string): Promise<void> {
    try {
      await this.snapshots.commit(chainID, key);
    } catch (err) {
      if (!isKind(err, 'Conflict') || !(await this.has(chainID))) throw err;
      await this.discard(key);
    }
  }

  /**
   * Unpacks one layer from a stream into the snapshot `chainID` on `parent`, checking that its
   * diffID is `diffID`. Returns its DiffSize.
   */
  async unpack(source: Readable, layer: { diffID: Digest; chainID: Digest }, parent: Digest | undefined): Promise<number> {
    const key = tempKey(UNPACK_PREFIX);
    await this.snapshots.prepare(key, parent);
    try {
      const dir = this.snapshots.writableDir(key);
      // A fresh snapshot's upperdir starts empty: the apply's DiffSize is the layer's.
      const got = await applyLayer(source, dir, { whiteouts: 'overlay', warn: (m) => this.log.warn(m) });
      if (got.diffID !== layer.diffID) throw invalidArgument(`invalid diffID for layer: expected "${layer.diffID}", got "${got.diffID}"`);
      await this.commitOrReuse(layer.chainID, key);
      return got.diffSize;
    } catch (err) {
      source.destroy();
      await this.discard(key);
      throw err;
    }
  }

  /**
   * Makes sure every layer of a stack is a committed snapshot, unpacking missing ones from their
   * blobs in the content store. `known` gives sizes of layers already recorded.
   */
  async ensureFromContent(layers: Array<{ diffID: Digest; chainID: Digest; blob: Descriptor }>, known: (c: Digest) => number | undefined): Promise<LayerRecord[]> {
    const out: LayerRecord[] = [];
    let parent: Digest | undefined;
    for (const l of layers) {
      let size = known(l.chainID);
      if (!(await this.has(l.chainID))) size = await this.unpack(this.content.read(l.blob.digest), l, parent);
      out.push({ diffID: l.diffID, chainID: l.chainID, blob: l.blob, size: size ?? (await this.sizeOf(l.chainID)) });
      parent = l.chainID;
    }
    return out;
  }

  /**
   * Removes the snapshots of `layers` (a stack, bottom first) from the top down while no other
   * image uses them; stops at the first one still needed. Returns the removed chainIDs.
   */
  async removeUnused(layers: LayerRecord[], used: Set<Digest>): Promise<Digest[]> {
    const removed: Digest[] = [];
    for (const l of [...layers].reverse()) {
      if (used.has(l.chainID)) break;
      try {
        await this.snapshots.remove(l.chainID);
        removed.push(l.chainID);
      } catch (err) {
        if (isKind(err, 'NotFound')) continue;
        // Conflict: a container's rootfs (or another snapshot) sits on it; it stays.
        if (!isKind(err, 'Conflict')) this.log.warn('removing layer snapshot failed', { chainID: l.chainID, err: String(err) });
        break;
      }
    }
    return removed;
  }

  /** Removes temporary snapshots and committed layers no image references (crash leftovers). */
  async collectGarbage(referenced: Set<Digest>): Promise<void> {
    const all = await this.snapshots.list();
    for (const s of all) if (s.key.startsWith(STAGE_PREFIX) || s.key.startsWith(UNPACK_PREFIX)) await this.discard(s.key);
    // Top-down passes: removing a child may free its parent.
    let candidates = all.filter((s) => s.kind === 'committed' && isDigest(s.key) && !referenced.has(s.key as Digest));
    for (let progress = true; progress && candidates.length > 0; ) {
      progress = false;
      const left: typeof candidates = [];
      for (const s of candidates) {
        try {
          await this.snapshots.remove(s.key);
          progress = true;
        } catch {
          left.push(s);
        }
      }
      candidates = left;
    }
  }

  /** Docker's overlay2 GraphDriver data for an image's top layer. */
  graphDriver(layers: LayerRecord[]): GraphDriverView {
    if (layers.length === 0) return { Name: 'overlay2', Data: {} };
    const dirs = layers.map((l) => this.snapshots.writableDir(l.chainID));
    const upper = dirs[dirs.length - 1]!;
    const data: Record<string, string> = {};
    if (dirs.length > 1) data.LowerDir = dirs.slice(0, -1).reverse().join(':');
    data.MergedDir = path.join(path.dirname(upper), 'merged');
    data.UpperDir = upper;
    data.WorkDir = path.join(path.dirname(upper), 'work');
    return { Name: 'overlay2', Data: data };
  }
}

/**
 * Moves the content of `from` into the empty directory `to` by renaming each top-level entry, then
 * gives `to` the root's owner, mode and times. false (nothing moved) on EXDEV.
 */
async function moveTree(from: string, to: string): Promise<boolean> {
  const names = await fs.readdir(from);
  for (const [i, name] of names.entries()) {
    try {
      await fs.rename(path.join(from, name), path.join(to, name));
    } catch (err) {
      if (errnoCode(err) === 'EXDEV' && i === 0) return false;
      throw err;
    }
  }
  const st = await fs.lstat(from);
  await fs.chown(to, st.uid, st.gid);
  await fs.chmod(to, st.mode & 0o7777);
  await fs.utimes(to, st.atime, st.mtime);
  return true;
}
