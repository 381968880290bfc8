/** Small filesystem helpers of the registry's storage: durable mkdir, optional reads and lists. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../../errdefs/index.js';
import { fsyncDir } from '../../lib/atomic-write.js';

/**
 * `mkdir -p` that makes the new directories durable: each directory it created is fsynced in its
 * parent, so a link written inside survives a crash together with the path leading to it.
 */
export async function ensureDir(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  // Walk from the first created directory down to `dir`, fsyncing each one's parent.
  const created: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    created.unshift(d);
    if (d === first || d === path.dirname(d)) break;
  }
  for (const d of created) await fsyncDir(path.dirname(d));
}

/** Reads a file as text, or undefined when it (or its folder) does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Lists a folder, or [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}

/** True when the path exists. */
export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Removes a file; false when it was not there. */
export async function removeFile(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/**
 * Creates or refreshes an empty marker file (a link) and makes it durable. Its mtime is set to
 * now even when it existed: gc reads a recent link as "wanted", never stale.
 */
export async function writeMarker(file: string): Promise<void> {
  await ensureDir(path.dirname(file));
  const fh = await fs.open(file, 'w', 0o644);
  const now = new Date();
  try {
    await fh.utimes(now, now);
  } finally {
    await fh.close();
  }
  // fsync the folder so the new name survives a crash (the file has no data to sync).
  await fsyncDir(path.dirname(file));
}
