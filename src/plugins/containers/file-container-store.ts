import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord, ContainerStore } from '../../core/containers/container.js';
import { conflict, errnoCode, invalidArgument, notFound } from '../../errdefs/index.js';
import { atomicWrite, atomicWriteJSON, readJSONIfExists, removeStrayTemps } from '../../lib/atomic-write.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Validates a container name as Docker does. */
export function validateContainerName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_RE.test(n)) throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return n;
}

/**
 * Container records in memory, each persisted as `<root>/<id>/config.v2.json` (atomic write, so a
 * kill -9 leaves the old or the new record, never a torn one).
 */
export class FileContainerStore implements ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly byName = new Map<string, string>();
  /** The last write (add, save, remove) of each record: writes of one record go in call order. */
  private readonly writes = new Map<string, Promise<unknown>>();

  private constructor(private readonly root: string) {}

  /**
   * Runs `fn` after every earlier write of `id` settled. Two saves in flight would otherwise
   * race their renames (the older state could land last). A caller may thus leave a save
   * running while others proceed. A remove does not wait (see remove).
   */
  private inOrder<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.writes.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return run;
  }

  static async open(root: string): Promise<FileContainerStore> {
    await fs.mkdir(root, { recursive: true, mode: 0o710 });
    const s = new FileContainerStore(root);
    // `.tmp-removing-<id>` dirs are removals a crash cut short: finish them.
    await removeStrayTemps(root);
    for (const id of await fs.readdir(root)) {
      const dir = path.join(root, id);
      await removeStrayTemps(dir);
      const rec = await readJSONIfExists<ContainerRecord>(path.join(dir, 'config.v2.json'));
      // A directory without a record is a create that crashed before its first write.
      if (!rec) {
        await fs.rm(dir, { recursive: true, force: true });
        continue;
      }
      s.byId.set(rec.id, rec);
      s.byName.set(rec.name, rec.id);
    }
    return s;
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  find(idOrName: string): ContainerRecord | undefined {
    const key = idOrName.startsWith('/') ? idOrName.slice(1) : idOrName;
    const exact = this.byId.get(key);
    if (exact) return exact;
    const named = this.byName.get(key);
    if (named) return this.byId.get(named);
    if (!/^[a-f0-9]+$/.test(key)) return undefined;
    let found: ContainerRecord | undefined;
    for (const [id, rec] of this.byId) {
      if (!id.startsWith(key)) continue;
      if (found) throw invalidArgument(`multiple IDs found with provided prefix: ${key}`);
      found = rec;
    }
    return found;
  }

  resolve(idOrName: string): ContainerRecord {
    const rec = this.find(idOrName);
    if (!rec) throw notFound(`No such container: ${idOrName}`);
    return rec;
  }

  list(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  private nameTaken(name: string, id: string): never {
    throw conflict(`Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
  }

  async add(record: ContainerRecord): Promise<void> {
    const holder = this.byName.get(record.name);
    if (holder) this.nameTaken(record.name, holder);
    // Reserve the name before the first await so two concurrent creates cannot both take it.
    this.byName.set(record.name, record.id);
    try {
      await this.inOrder(record.id, async () => {
        await fs.mkdir(this.dir(record.id), { recursive: true, mode: 0o710 });
        await atomicWriteJSON(path.join(this.dir(record.id), 'config.v2.json'), record);
      });
    } catch (err) {
      this.byName.delete(record.name);
      throw err;
    }
    this.byId.set(record.id, record);
  }

  async save(record: ContainerRecord): Promise<void> {
    if (!this.byId.has(record.id)) throw notFound(`No such container: ${record.id}`);
    this.byId.set(record.id, record);
    // An update: after a power loss the previous state is one restore handles as well. The
    // content is serialized now, so a later change of the record is not written by this save.
    const text = `${JSON.stringify(record)}\n`;
    await this.inOrder(record.id, () => atomicWrite(path.join(this.dir(record.id), 'config.v2.json'), text, 0o644, { syncDir: false })).catch((err) => {
      // A removal overtook this write (see remove): there is no record left to update.
      if (this.byId.get(record.id) !== record) return;
      throw err;
    });
  }

  async rename(id: string, newName: string): Promise<void> {
    const rec = this.resolve(id);
    const name = validateContainerName(newName);
    if (name === rec.name) throw invalidArgument(`Renaming a container with the same name as its current name`);
    const holder = this.byName.get(name);
    if (holder) this.nameTaken(name, holder);
    const old = rec.name;
    this.byName.set(name, rec.id);
    rec.name = name;
    try {
      await this.save(rec);
    } catch (err) {
      rec.name = old;
      this.byName.delete(name);
      throw err;
    }
    this.byName.delete(old);
  }

  async remove(id: string): Promise<void> {
    const rec = this.byId.get(id);
    if (!rec) return;
    // Rename the directory away first: once the record file is gone from its place the container
    // no longer exists, even if the recursive delete below is cut short by a crash.
    const dir = this.dir(id);
    const gone = path.join(this.root, `.tmp-removing-${id}`);
    // Not behind the record's writes in flight: the start's save (an fsync) often still is when
    // a `--rm` container is removed. A save the rename overtakes fails (its directory is gone;
    // nothing recreates it) and is dropped as moot; one that renamed first is simply gone too.
    try {
      await fs.rename(dir, gone);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    this.byId.delete(id);
    this.byName.delete(rec.name);
    // In the background (the container is gone once renamed): its log may be large, and the
    // delete sat on the path of `wait?condition=removed`. After the writes in flight, one of
    // which may still write its temp file into the renamed directory. open() finishes what a
    // crash cuts short.
    void this.inOrder(id, () => fs.rm(gone, { recursive: true, force: true })).catch(() => undefined);
  }
}
