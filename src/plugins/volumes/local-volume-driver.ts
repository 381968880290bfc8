/**
 * Docker's `local` volume driver: one directory per volume under `<data-root>/volumes`, content
 * in `<name>/_data` (the path Docker reports as `Mountpoint`), the record beside it in
 * `<name>/volume.json`. Volumes created with `type`/`device` options get that filesystem mounted
 * on `_data` while in use (tmpfs, a bind of a host directory, nfs, …).
 *
 * Crash safety: `volume.json` is the commit point of a create (written atomically after `_data`
 * exists); a remove first renames the volume's directory to `.rm-*` (atomic), then deletes it.
 * `load` deletes `.rm-*` and `.tmp-*` leftovers and directories without a record.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StoredVolume, VolumeDriver } from '../../core/volumes/volume-driver.js';
import { internal } from '../../errdefs/index.js';
import { atomicWriteJSON, fsyncDir, readJSONIfExists, removeStrayTemps } from '../../lib/atomic-write.js';
import { runCommand } from '../../lib/exec-file.js';
import { isMountpoint, mountsUnder, unmountAll } from '../snapshots/mount.js';
import { hasMountOptions, mountArgs, validateLocalOptions } from './local-options.js';

const RECORD = 'volume.json';
const REMOVING = '.rm-';

/**
 * Deletes `dir` recursively, but only once nothing is mounted below it: `rm -rf` through a bind
 * mount would delete the host directory's files (Docker's own RemoveAll has done so).
 */
async function removeUnmounted(dir: string): Promise<void> {
  for (const mp of await mountsUnder(dir)) await unmountAll(mp);
  const left = await mountsUnder(dir);
  if (left.length) throw internal(`cannot remove ${dir}: still mounted at ${left.join(', ')}`);
  await fs.rm(dir, { recursive: true, force: true });
}

/** Sums the sizes of the non-directory entries under `dir`, counting hard links once. */
async function diskSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return; // vanished meanwhile: a running container may delete files as we count
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      const st = await fs.lstat(p).catch(() => undefined);
      if (!st) continue;
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1 && seen.has(key)) continue;
      seen.add(key);
      total += st.size;
    }
  };
  await walk(dir);
  return total;
}

export class LocalVolumeDriver implements VolumeDriver {
  readonly name = 'local';

  private constructor(private readonly root: string) {}

  /** Opens (creating) the volumes root. */
  static async open(root: string): Promise<LocalVolumeDriver> {
    // 0701 as dockerd: other users may traverse to a volume they know, not list them.
    await fs.mkdir(root, { recursive: true, mode: 0o701 });
    return new LocalVolumeDriver(root);
  }

  mountpoint(name: string): string {
    return path.join(this.root, name, '_data');
  }

  validateOptions(options: Record<string, string> | null): void {
    validateLocalOptions(options);
  }

  needsMount(v: StoredVolume): boolean {
    return hasMountOptions(v.options);
  }

  async load(): Promise<StoredVolume[]> {
    await removeStrayTemps(this.root);
    const out: StoredVolume[] = [];
    for (const name of await fs.readdir(this.root)) {
      const dir = path.join(this.root, name);
      if (name.startsWith(REMOVING)) {
        await removeUnmounted(dir);
        continue;
      }
      await removeStrayTemps(dir);
      const rec = await readJSONIfExists<StoredVolume>(path.join(dir, RECORD)).catch(() => undefined);
      if (!rec || rec.name !== name) {
        // A create that crashed before its commit point (or a stray directory): nothing refers to it.
        await removeUnmounted(dir);
        continue;
      }
      out.push({ ...rec, refs: rec.refs ?? [] });
    }
    return out;
  }

  async create(v: StoredVolume): Promise<void> {
    const dir = path.join(this.root, v.name);
    await fs.mkdir(path.join(dir, '_data'), { recursive: true, mode: 0o755 });
    // The record is the commit point: written (atomically, durably) only once `_data` exists.
    await atomicWriteJSON(path.join(dir, RECORD), v);
    await fsyncDir(this.root);
  }

  async save(v: StoredVolume): Promise<void> {
    await atomicWriteJSON(path.join(this.root, v.name, RECORD), v);
  }

  async remove(name: string): Promise<void> {
    const dir = path.join(this.root, name);
    await unmountAll(this.mountpoint(name));
    // Rename first (atomic): a crash mid-delete leaves a `.rm-*` directory `load` finishes off,
    // never a volume with part of its content gone.
    const doomed = path.join(this.root, `${REMOVING}${name}-${randomBytes(4).toString('hex')}`);
    await fs.rename(dir, doomed);
    await fsyncDir(this.root);
    await removeUnmounted(doomed);
  }

  async mount(v: StoredVolume): Promise<void> {
    if (!v.options || !hasMountOptions(v.options)) return;
    const target = this.mountpoint(v.name);
    const res = await runCommand('mount', mountArgs(v.options, target), { check: false });
    if (res.code === 0) return;
    // dockerd words it `failed to mount local volume: mount DEVICE:TARGET, data: O: <errno text>`;
    // mount(8) gives its own reason text instead of the errno's.
    const reason = (res.stderr.trim().split('\n')[0] ?? '').replace(/^mount: /, '').replace(`${target}: `, '') || `mount exited with ${res.code}`;
    const data = v.options.o ? `, data: ${v.options.o}` : '';
    throw internal(`failed to mount local volume: mount ${v.options.device ?? ''}:${target}${data}: ${reason}`);
  }

  async unmount(name: string): Promise<void> {
    await unmountAll(this.mountpoint(name));
  }

  isMounted(name: string): Promise<boolean> {
    return isMountpoint(this.mountpoint(name));
  }

  size(name: string): Promise<number> {
    return diskSize(this.mountpoint(name));
  }
}
