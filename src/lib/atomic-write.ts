import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** fsyncs a directory so a rename or unlink in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A unique temp name beside `file`, so the final rename stays on one filesystem. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.tmp-${path.basename(file)}-${randomBytes(6).toString('hex')}`);
}

/**
 * Creates `file` (which must not exist) holding `data`, fsynced before it returns: the first half
 * of a write-then-rename. On failure the partial file is removed.
 */
export async function writeNewFileSynced(file: string, data: string | Uint8Array, mode: number): Promise<void> {
  const fh = await fs.open(file, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fs.rm(file, { force: true });
    throw err;
  }
  await fh.close();
}

/**
 * Writes `data` to `file` so that a crash at any instant leaves either the old content or the
 * new, never a torn file: write a temp file beside it, fsync it, rename over the target (rename
 * is atomic within a filesystem), then fsync the directory so the rename itself is durable.
 */
export async function atomicWrite(file: string, data: string | Uint8Array, mode = 0o644, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(file);
  await writeNewFileSynced(tmp, data, mode);
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  if (opts.syncDir !== false) await fsyncDir(path.dirname(file));
}

export interface AtomicWriteOptions {
  /**
   * false: skip the directory fsync. For a file replaced again and again whose previous version
   * is as good after a power loss (moby's AtomicWriteFile, which writes container state, does
   * not sync the directory either); a kill -9 loses nothing either way.
   */
  syncDir?: boolean;
}

/** atomicWrite of a JSON document (Go-style: compact, trailing newline). */
export async function atomicWriteJSON(file: string, value: unknown): Promise<void> {
  await atomicWrite(file, `${JSON.stringify(value)}\n`);
}

/** Reads a JSON file, or returns undefined when it does not exist. */
export async function readJSONIfExists<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes leftover temp files (from a crash mid-write) in `dir`. */
export async function removeStrayTemps(dir: string): Promise<number> {
  let n = 0;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (name.startsWith('.tmp-')) {
      await fs.rm(path.join(dir, name), { recursive: true, force: true });
      n++;
    }
  }
  return n;
}
