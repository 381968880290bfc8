/**
 * File-backed network and sandbox stores: one JSON document per record, written with
 * temp file + rename, so a crash leaves the old record or the new one. Networks live under the
 * data root (they outlive reboots, as Docker's do; fsynced); sandboxes under the exec root
 * (/run: they describe namespaces and veths, which a reboot removes too).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { NetworkRecord, NetworkStore, SandboxRecord, SandboxStore } from '../../core/network/network.js';
import { atomicWriteJSON, fsyncDir, readJSONIfExists, removeStrayTemps, tempPathFor } from '../../lib/atomic-write.js';

async function readAll<T>(dir: string): Promise<T[]> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await removeStrayTemps(dir);
  const out: T[] = [];
  for (const name of (await fs.readdir(dir)).sort()) {
    if (!name.endsWith('.json')) continue;
    const rec = await readJSONIfExists<T>(path.join(dir, name));
    if (rec) out.push(rec);
  }
  return out;
}

async function removeFile(file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.rm(file, { force: true });
  // The unlink must be durable: a network that comes back after a crash would hold its subnet.
  await fsyncDir(path.dirname(file));
}

/** Networks, all in memory after open. */
export class FileNetworkStore implements NetworkStore {
  private constructor(
    private readonly dir: string,
    private readonly records: Map<string, NetworkRecord>,
  ) {}

  static async open(dir: string): Promise<FileNetworkStore> {
    const recs = await readAll<NetworkRecord>(dir);
    return new FileNetworkStore(dir, new Map(recs.map((r) => [r.id, r])));
  }

  list(): NetworkRecord[] {
    return [...this.records.values()];
  }

  async save(net: NetworkRecord): Promise<void> {
    await atomicWriteJSON(path.join(this.dir, `${net.id}.json`), net);
    this.records.set(net.id, net);
  }

  async remove(id: string): Promise<void> {
    await removeFile(path.join(this.dir, `${id}.json`));
    this.records.delete(id);
  }
}

/**
 * Sandboxes of running containers, one file each. Written by rename but not fsynced: the files
 * only have to survive the daemon's death, which a completed rename does; a machine crash takes
 * the namespaces and veths they describe with it (and /run with them).
 */
export class FileSandboxStore implements SandboxStore {
  private ready?: Promise<unknown>;

  constructor(private readonly dir: string) {}

  list(): Promise<SandboxRecord[]> {
    return readAll<SandboxRecord>(this.dir);
  }

  async save(sb: SandboxRecord): Promise<void> {
    this.ready ??= fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.ready;
    const file = path.join(this.dir, `${sb.containerId}.json`);
    const tmp = tempPathFor(file);
    await fs.writeFile(tmp, JSON.stringify(sb), { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  async remove(containerId: string): Promise<void> {
    await fs.rm(path.join(this.dir, `${containerId}.json`), { force: true });
  }
}
