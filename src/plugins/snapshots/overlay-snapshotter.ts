import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { MountSpec, PrepareOptions, SnapshotInfo, SnapshotKind, SnapshotUsage, Snapshotter } from '../../core/snapshots/snapshotter.js';
import { conflict, errnoCode, invalidArgument, notFound } from '../../errdefs/index.js';
import { fsyncDir, removeStrayTemps } from '../../lib/atomic-write.js';
import { type SnapshotRecord, SnapshotMetadata } from './snapshot-metadata.js';

/**
 * The mount(2) data of an overlay mount is one page. With `lowerdir=<root>/snapshots/<id>/fs:…`
 * each layer costs `len(root) + 16 + digits(id)` bytes, so a root such as /var/lib/wharf/overlay
 * (22 bytes) fits about 95 layers; beyond that `mounts` refuses with InvalidArgument.
 */
export const MAX_MOUNT_OPTIONS = 4095;

/**
 * Overlay snapshots laid out like containerd's overlay snapshotter:
 * `<root>/snapshots/<numeric id>/{fs,work}` per snapshot (fs is the upperdir of an active
 * snapshot, the lowerdir of a committed one) and `<root>/metadata.json` for keys, kinds and
 * parents. Returns mounts; never mounts anything itself.
 *
 * Crash safety: a snapshot's directory is built under a temp name and renamed into place before
 * the index names it; on removal the index forgets it before its directory is renamed away and
 * deleted. So the index only ever names complete directories, and `open` deletes whatever a
 * crash left unnamed (temp dirs and orphan ids). One process owns a root at a time.
 */
export class OverlaySnapshotter implements Snapshotter {
  /** Serializes changes: each runs after the previous one has persisted. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly root: string,
    private readonly meta: SnapshotMetadata,
  ) {}

  static async open(root: string): Promise<OverlaySnapshotter> {
    const abs = path.resolve(root);
    await fs.mkdir(path.join(abs, 'snapshots'), { recursive: true });
    const meta = await SnapshotMetadata.load(abs);
    const sn = new OverlaySnapshotter(abs, meta);
    await sn.cleanup();
    return sn;
  }

  private get snapshotsDir(): string {
    return path.join(this.root, 'snapshots');
  }

  private dir(id: number): string {
    return path.join(this.snapshotsDir, String(id));
  }

  private fsDir(id: number): string {
    return path.join(this.dir(id), 'fs');
  }

  /** Removes what an interrupted prepare/remove left: temp dirs and directories no record names. */
  private async cleanup(): Promise<void> {
    await removeStrayTemps(this.snapshotsDir);
    const used = this.meta.ids();
    for (const name of await fs.readdir(this.snapshotsDir)) {
      if (/^\d+$/.test(name) && !used.has(Number(name))) await fs.rm(path.join(this.snapshotsDir, name), { recursive: true, force: true });
    }
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private record(key: string): SnapshotRecord {
    const rec = this.meta.get(key);
    if (!rec) throw notFound(`snapshot ${key} does not exist`);
    return rec;
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return this.meta.info(key, this.record(key));
  }

  /** After the changes queued before it: a removal its caller did not wait for is not listed. */
  list(): Promise<SnapshotInfo[]> {
    return this.serialized(async () => this.meta.entries().map(([k, r]) => this.meta.info(k, r)));
  }

  prepare(key: string, parent?: string, labels: Record<string, string> = {}, opts: PrepareOptions = {}): Promise<MountSpec[]> {
    return this.create('active', key, parent, labels, opts.initLayer);
  }

  view(key: string, parent: string, labels: Record<string, string> = {}): Promise<MountSpec[]> {
    return this.create('view', key, parent, labels);
  }

  private create(kind: SnapshotKind, key: string, parent: string | undefined, labels: Record<string, string>, initLayer?: string): Promise<MountSpec[]> {
    return this.serialized(async () => {
      if (key === '') throw invalidArgument('snapshot key must not be empty');
      if (this.meta.get(key)) throw conflict(`snapshot ${key} already exists`);
      if (parent !== undefined && this.record(parent).kind !== 'committed') {
        throw invalidArgument(`parent snapshot ${parent} is not committed`);
      }
      const id = this.meta.allocateId(await this.existingIds());
      const rec: SnapshotRecord = { id, kind, created: new Date().toISOString(), labels: { ...labels } };
      if (parent !== undefined) rec.parent = parent;
      if (initLayer !== undefined) rec.initLayer = path.resolve(initLayer);
      // Computed first: a snapshot that could not be mounted (too many layers) is never created.
      const mounts = this.mountsOf(key, rec);
      // Built under a temp name and renamed into place, so a numbered directory is always complete.
      const tmp = path.join(this.snapshotsDir, `.tmp-new-${id}-${randomBytes(4).toString('hex')}`);
      await fs.mkdir(path.join(tmp, 'fs'), { recursive: true });
      await fs.mkdir(path.join(tmp, 'work'));
      await fs.chmod(path.join(tmp, 'fs'), 0o755);
      await fs.rename(tmp, this.dir(id));
      // The rename must be durable before the index (written next) names the directory.
      await fsyncDir(this.snapshotsDir);
      try {
        await this.meta.update((s) => {
          s[key] = rec;
        });
      } catch (err) {
        await fs.rm(this.dir(id), { recursive: true, force: true });
        throw err;
      }
      return mounts;
    });
  }

  /** Ids that have a directory, including orphans not yet cleaned: a new id must not collide. */
  private async existingIds(): Promise<number[]> {
    return (await fs.readdir(this.snapshotsDir)).filter((n) => /^\d+$/.test(n)).map(Number);
  }

  async mounts(key: string): Promise<MountSpec[]> {
    return this.mountsOf(key, this.record(key));
  }

  private mountsOf(key: string, rec: SnapshotRecord): MountSpec[] {
    if (rec.kind === 'committed') throw invalidArgument(`snapshot ${key} is committed: only active and view snapshots have mounts`);
    const lowers = this.lowersOf(rec);
    if (rec.kind === 'view') {
      if (lowers.length === 1) return [{ type: 'bind', source: lowers[0], options: ['ro', 'rbind'] }];
      return [overlay([`lowerdir=${lowers.join(':')}`], lowers.length)];
    }
    if (lowers.length === 0) return [{ type: 'bind', source: this.fsDir(rec.id), options: ['rw', 'rbind'] }];
    return [overlay([`workdir=${path.join(this.dir(rec.id), 'work')}`, `upperdir=${this.fsDir(rec.id)}`, `lowerdir=${lowers.join(':')}`], lowers.length)];
  }

  /** The directories under a snapshot's own layer, top first: its init layer, then its parents. */
  private lowersOf(rec: SnapshotRecord): string[] {
    const parents = this.parentChain(rec).map((r) => this.fsDir(r.id));
    return rec.initLayer === undefined ? parents : [rec.initLayer, ...parents];
  }

  /** The committed ancestors of a snapshot, nearest first. */
  private parentChain(rec: SnapshotRecord): SnapshotRecord[] {
    const chain: SnapshotRecord[] = [];
    for (let p = rec.parent; p !== undefined; p = chain[chain.length - 1].parent) chain.push(this.record(p));
    return chain;
  }

  writableDir(key: string): string {
    return this.fsDir(this.record(key).id);
  }

  async lowerDirs(key: string): Promise<string[]> {
    return this.lowersOf(this.record(key));
  }

  commit(name: string, key: string, labels?: Record<string, string>): Promise<void> {
    return this.serialized(async () => {
      const rec = this.record(key);
      if (rec.kind !== 'active') throw invalidArgument(`snapshot ${key} is not active: only active snapshots can be committed`);
      if (this.meta.get(name)) throw conflict(`snapshot ${name} already exists`);
      // Only the index changes: the directory keeps its id, so the commit is one atomic write.
      await this.meta.update((s) => {
        delete s[key];
        // An init layer is not content of the snapshot: its children do not stack it.
        const { initLayer: _, ...own } = rec;
        s[name] = { ...own, kind: 'committed', labels: { ...(labels ?? rec.labels) } };
      });
    });
  }

  remove(key: string, opts: { lazy?: boolean; deleteAfter?: Promise<unknown> } = {}): Promise<void> {
    return this.serialized(async () => {
      const rec = this.record(key);
      const children = this.meta.children(key);
      if (children.length > 0) throw conflict(`cannot remove snapshot ${key}: it has ${children.length} child snapshot(s)`);
      // Forget it first, then rename the directory to a temp name before the (slow, non-atomic)
      // recursive delete: a crash mid-delete leaves a temp dir that open() removes, never a
      // half-deleted directory that a record still points to. A lazy delete runs in the
      // background, outside the queue: the snapshot is gone once it is renamed.
      await this.meta.update((s) => {
        delete s[key];
      });
      const doomed = path.join(this.snapshotsDir, `.tmp-rm-${rec.id}-${randomBytes(4).toString('hex')}`);
      try {
        await fs.rename(this.dir(rec.id), doomed);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return;
        throw err;
      }
      if (!opts.lazy) return fs.rm(doomed, { recursive: true, force: true });
      // Renaming the directory of a still-mounted overlay's upper dir is harmless (the mount holds
      // the dentries, not the path); deleting its files is not: that waits for `deleteAfter`.
      const rmDoomed = () => fs.rm(doomed, { recursive: true, force: true });
      void (opts.deleteAfter ?? Promise.resolve()).then(rmDoomed, rmDoomed).catch(() => undefined);
    });
  }

  async usage(key: string): Promise<SnapshotUsage> {
    return diskUsage(this.fsDir(this.record(key).id));
  }
}

function overlay(options: string[], layers: number): MountSpec {
  const length = options.join(',').length;
  if (length > MAX_MOUNT_OPTIONS) {
    throw invalidArgument(`too many layers (${layers}): overlay mount options would be ${length} bytes, more than the ${MAX_MOUNT_OPTIONS}-byte limit`);
  }
  return { type: 'overlay', source: 'overlay', options };
}

/** Allocated bytes (st_blocks × 512) and distinct inodes under `dir`, as containerd counts them. */
async function diskUsage(dir: string): Promise<SnapshotUsage> {
  const seen = new Set<string>();
  let size = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await fs.lstat(p, { bigint: true });
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    size += Number(st.blocks) * 512;
    if (st.isDirectory()) for (const n of await fs.readdir(p)) await walk(path.join(p, n));
  };
  await walk(dir);
  return { size, inodes: seen.size };
}
