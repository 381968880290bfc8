import path from 'node:path';
import type { SnapshotInfo, SnapshotKind } from '../../core/snapshots/snapshotter.js';
import { internal } from '../../errdefs/index.js';
import { atomicWriteJSON, readJSONIfExists } from '../../lib/atomic-write.js';

/** One snapshot as persisted. */
export interface SnapshotRecord {
  /** Numeric directory id: `<root>/snapshots/<id>`. Short ids keep overlay option strings short. */
  id: number;
  kind: SnapshotKind;
  parent?: string;
  created: string;
  labels: Record<string, string>;
  /** See PrepareOptions.initLayer: stacked right above the parents. */
  initLayer?: string;
}

interface IndexFile {
  version: 1;
  nextId: number;
  snapshots: Record<string, SnapshotRecord>;
}

/**
 * The snapshotter's metadata: every snapshot by key, in one index file rewritten atomically
 * (temp + fsync + rename + directory fsync) on each change, so a kill -9 at any instant leaves
 * either the previous or the next complete index — never a torn one. Callers serialize changes.
 */
export class SnapshotMetadata {
  private constructor(
    private readonly file: string,
    private index: IndexFile,
  ) {}

  static async load(root: string): Promise<SnapshotMetadata> {
    const file = path.join(root, 'metadata.json');
    const index = (await readJSONIfExists<IndexFile>(file)) ?? { version: 1, nextId: 1, snapshots: {} };
    if (index.version !== 1 || typeof index.nextId !== 'number' || typeof index.snapshots !== 'object') {
      throw internal(`unrecognized snapshot metadata in ${file}`);
    }
    return new SnapshotMetadata(file, index);
  }

  get(key: string): SnapshotRecord | undefined {
    return Object.hasOwn(this.index.snapshots, key) ? this.index.snapshots[key] : undefined;
  }

  entries(): [string, SnapshotRecord][] {
    return Object.entries(this.index.snapshots);
  }

  info(key: string, rec: SnapshotRecord): SnapshotInfo {
    const info: SnapshotInfo = { key, kind: rec.kind, created: rec.created, labels: { ...rec.labels } };
    if (rec.parent !== undefined) info.parent = rec.parent;
    return info;
  }

  /** Keys of the snapshots whose parent is `key`. */
  children(key: string): string[] {
    return this.entries()
      .filter(([, r]) => r.parent === key)
      .map(([k]) => k);
  }

  /** Ids in use, for telling referenced directories from orphans. */
  ids(): Set<number> {
    return new Set(this.entries().map(([, r]) => r.id));
  }

  /** Reserves the next id, above every id that has a directory (`seen`). Not persisted by itself. */
  allocateId(seen: Iterable<number> = []): number {
    let id = this.index.nextId;
    for (const s of seen) if (s >= id) id = s + 1;
    this.index.nextId = id + 1;
    return id;
  }

  /** Applies `change` to a copy of the index and persists it; memory changes only once it is durable. */
  async update(change: (snapshots: Record<string, SnapshotRecord>) => void): Promise<void> {
    const next: IndexFile = { ...this.index, snapshots: { ...this.index.snapshots } };
    change(next.snapshots);
    await atomicWriteJSON(this.file, next);
    this.index = next;
  }
}
