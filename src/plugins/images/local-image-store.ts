import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ImageRecord, ImageStore } from '../../core/images/image-store.js';
import { errnoCode, notFound, toWharfError } from '../../errdefs/index.js';
import { atomicWriteJSON, fsyncDir, readJSONIfExists, removeStrayTemps } from '../../lib/atomic-write.js';
import { type Digest, digestHex, isDigest } from '../../lib/digest.js';
import { type NamedReference, parseNormalizedNamed, referenceString } from '../../spec/reference.js';

/** On-disk form of the reference index. */
interface ReferencesFile {
  /** Full reference string → image ID. */
  refs: Record<string, Digest>;
}

const RECORD_VERSION = 1;

interface RecordFile extends ImageRecord {
  version: number;
}

/**
 * The image store on a local filesystem: one JSON file per image under `records/<hex>.json` and
 * the reference index in `references.json`, each replaced atomically (temp file, fsync, rename,
 * directory fsync). Everything is loaded into memory at open, so reads never touch the disk.
 *
 * Write ordering keeps every crash state consistent: a record is written before any reference to
 * it; on delete the references go first, then the record. Hence the only possible leftovers are
 * untagged records (valid, dangling images) and, if a process died between the two steps of a
 * tag, a stale `lastTagTime`. References to a missing record cannot be produced, and are dropped
 * at open should they appear (a hand-edited store).
 *
 * Mutations are serialised by a promise chain: two concurrent tag operations must not both
 * read-modify-write `references.json` and lose one update.
 */
export class LocalImageStore implements ImageStore {
  private readonly records = new Map<Digest, ImageRecord>();
  /** Full reference string → image ID. */
  private readonly refs = new Map<string, Digest>();
  /** Image ID → its full reference strings. */
  private readonly byImage = new Map<Digest, Set<string>>();
  private readonly parsed = new Map<string, NamedReference>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly recordDir: string;
  private readonly refsFile: string;

  private constructor(readonly root: string) {
    this.recordDir = path.join(root, 'records');
    this.refsFile = path.join(root, 'references.json');
  }

  /** Opens (creating if needed) the store at `root` and loads it into memory. */
  static async open(root: string): Promise<LocalImageStore> {
    const s = new LocalImageStore(path.resolve(root));
    await fs.mkdir(s.recordDir, { recursive: true });
    await removeStrayTemps(s.recordDir);
    await removeStrayTemps(s.root);
    await s.load();
    return s;
  }

  private async load(): Promise<void> {
    const names = (await fs.readdir(this.recordDir)).filter((n) => /^[a-f0-9]{64}\.json$/.test(n));
    const files = await Promise.all(names.map((n) => readJSONIfExists<RecordFile>(path.join(this.recordDir, n))));
    for (const f of files) {
      if (!f || !isDigest(f.id)) continue;
      const { version: _v, ...record } = f;
      this.records.set(record.id, record);
    }
    const refs = (await readJSONIfExists<ReferencesFile>(this.refsFile))?.refs ?? {};
    let dropped = false;
    for (const [s, id] of Object.entries(refs)) {
      if (!this.records.has(id)) {
        dropped = true;
        continue;
      }
      this.index(s, id);
    }
    if (dropped) await this.writeRefs();
  }

  private index(s: string, id: Digest): void {
    this.refs.set(s, id);
    let set = this.byImage.get(id);
    if (!set) this.byImage.set(id, (set = new Set()));
    set.add(s);
  }

  private unindex(s: string): void {
    const id = this.refs.get(s);
    if (id === undefined) return;
    this.refs.delete(s);
    const set = this.byImage.get(id);
    set?.delete(s);
    if (set?.size === 0) this.byImage.delete(id);
  }

  private parse(s: string): NamedReference {
    let r = this.parsed.get(s);
    if (!r) this.parsed.set(s, (r = parseNormalizedNamed(s)));
    return r;
  }

  /** Runs mutations one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }

  private recordPath(id: Digest): string {
    return path.join(this.recordDir, `${digestHex(id)}.json`);
  }

  private async writeRecord(r: ImageRecord): Promise<void> {
    await atomicWriteJSON(this.recordPath(r.id), { version: RECORD_VERSION, ...r } satisfies RecordFile);
  }

  private async writeRefs(): Promise<void> {
    const refs: Record<string, Digest> = {};
    for (const k of [...this.refs.keys()].sort()) refs[k] = this.refs.get(k)!;
    await atomicWriteJSON(this.refsFile, { refs } satisfies ReferencesFile);
  }

  list(): ImageRecord[] {
    return [...this.records.values()];
  }

  get(id: Digest): ImageRecord | undefined {
    return this.records.get(id);
  }

  count(): number {
    return this.records.size;
  }

  searchId(term: string): ImageRecord | undefined | 'ambiguous' {
    let hex = term.startsWith('sha256:') ? term.slice(7) : term;
    if (!/^[a-f0-9]+$/.test(hex)) return undefined;
    hex = hex.toLowerCase();
    if (hex.length === 64) return this.records.get(`sha256:${hex}`);
    let found: ImageRecord | undefined;
    for (const [id, r] of this.records) {
      if (!id.startsWith(hex, 7)) continue;
      if (found) return 'ambiguous';
      found = r;
    }
    return found;
  }

  lookupRef(ref: NamedReference): Digest | undefined {
    return this.refs.get(referenceString(ref));
  }

  refsOf(id: Digest): NamedReference[] {
    const set = this.byImage.get(id);
    if (!set) return [];
    return [...set].sort().map((s) => this.parse(s));
  }

  allRefs(): Array<{ ref: NamedReference; id: Digest }> {
    return [...this.refs].map(([s, id]) => ({ ref: this.parse(s), id }));
  }

  children(id: Digest): ImageRecord[] {
    return this.list().filter((r) => r.parent === id);
  }

  put(record: ImageRecord): Promise<void> {
    return this.serial(async () => {
      await this.writeRecord(record);
      this.records.set(record.id, record);
    });
  }

  addRef(ref: NamedReference, id: Digest, touch = true): Promise<Digest | undefined> {
    return this.serial(async () => {
      const rec = this.records.get(id);
      if (!rec) throw notFound(`No such image: ${id}`);
      const s = referenceString(ref);
      const previous = this.refs.get(s);
      this.unindex(s);
      this.index(s, id);
      try {
        await this.writeRefs();
      } catch (err) {
        this.unindex(s);
        if (previous) this.index(s, previous);
        throw toWharfError(err);
      }
      if (touch) {
        const updated = { ...rec, lastTagTime: new Date().toISOString() };
        await this.writeRecord(updated);
        this.records.set(id, updated);
      }
      return previous;
    });
  }

  removeRef(ref: NamedReference): Promise<Digest | undefined> {
    return this.serial(async () => {
      const s = referenceString(ref);
      const previous = this.refs.get(s);
      if (previous === undefined) return undefined;
      this.unindex(s);
      try {
        await this.writeRefs();
      } catch (err) {
        this.index(s, previous);
        throw toWharfError(err);
      }
      return previous;
    });
  }

  delete(id: Digest): Promise<void> {
    return this.serial(async () => {
      const refs = [...(this.byImage.get(id) ?? [])];
      if (refs.length > 0) {
        for (const s of refs) this.unindex(s);
        // References first: a crash after this leaves an untagged image, never a dangling tag.
        await this.writeRefs();
      }
      try {
        await fs.unlink(this.recordPath(id));
        // fsync the directory so the unlink is durable before callers free the layers.
        await fsyncDir(this.recordDir);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw toWharfError(err);
      }
      this.records.delete(id);
    });
  }
}
