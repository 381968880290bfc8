import type { Stats } from 'node:fs';
import { promises as fs } from 'node:fs';
import { errnoCode, invalidArgument } from '../../errdefs/index.js';
import { isWithin, parentOf, prefixesOf } from './secure-path.js';
import { SizeLedger } from './size-ledger.js';

/** Directory time updates in flight at once at the end of a layer. */
const DIR_TIMES_AT_ONCE = 8;

/**
 * Path-safe access to the directory a layer is applied into. Every path is a clean relative path
 * (see cleanEntryPath); every parent component is checked with lstat before use and must be a
 * real directory — a symlink parent is refused, never followed — so no operation can reach
 * outside the root. Directories already checked are cached (and forgotten when removed) so a
 * layer costs one lstat per directory, not per entry.
 */
export class LayerTree {
  private readonly knownDirs = new Set<string>(['']);
  /** Known directories with the setgid bit: files created in them take the directory's group. */
  private readonly setgidDirs = new Set<string>();
  /** Directory mtimes to set once their content is complete: [atime, mtime] in seconds. */
  private readonly dirTimes = new Map<string, [number, number]>();
  /** DiffSize of what was made here; every removal goes through {@link remove}, which keeps it true. */
  readonly sizes = new SizeLedger();

  constructor(readonly root: string) {}

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  async lstat(rel: string): Promise<Stats | undefined> {
    try {
      return await fs.lstat(this.abs(rel));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Makes sure every ancestor of `rel` is a real directory, creating missing ones (0755, as
   * Docker does). Refuses when an ancestor is a symlink or not a directory.
   */
  async ensureParents(rel: string, entryName: string): Promise<void> {
    await this.walkParents(rel, entryName, true);
  }

  /**
   * Like ensureParents but creates nothing.
   * @returns false when an ancestor does not exist.
   */
  async parentsExist(rel: string, entryName: string): Promise<boolean> {
    return this.walkParents(rel, entryName, false);
  }

  private async walkParents(rel: string, entryName: string, create: boolean): Promise<boolean> {
    const parent = parentOf(rel);
    if (this.knownDirs.has(parent)) return true;
    for (const p of prefixesOf(parent)) {
      if (this.knownDirs.has(p)) continue;
      const st = await this.lstat(p);
      if (st === undefined) {
        if (!create) return false;
        await fs.mkdir(this.abs(p));
        // mkdir's mode is filtered by the process umask; set 0755 explicitly.
        await fs.chmod(this.abs(p), 0o755);
      } else if (st.isDirectory()) {
        if (st.mode & 0o2000) this.setgidDirs.add(p);
      } else if (st.isSymbolicLink()) {
        throw invalidArgument(`invalid tar entry ${JSON.stringify(entryName)}: parent "${p}" is a symbolic link`);
      } else {
        throw invalidArgument(`invalid tar entry ${JSON.stringify(entryName)}: parent "${p}" is not a directory`);
      }
      this.knownDirs.add(p);
    }
    return true;
  }

  /** Records that `rel` is a real directory with permission bits `mode`. */
  markDir(rel: string, mode: number): void {
    this.knownDirs.add(rel);
    if (mode & 0o2000) this.setgidDirs.add(rel);
    else this.setgidDirs.delete(rel);
  }

  /** Whether new entries in directory `rel` inherit its group (setgid), as far as known. */
  isSetgid(rel: string): boolean {
    return this.setgidDirs.has(rel) || !this.knownDirs.has(rel);
  }

  setDirTimes(rel: string, atime: number, mtime: number): void {
    this.dirTimes.set(rel, [atime, mtime]);
  }

  /**
   * Removes `rel` (recursively; symlinks are removed, not followed) and forgets what was under it.
   * `isDir` is what an lstat just said: plain files need no recursive walk or cache pruning.
   */
  async remove(rel: string, isDir: boolean): Promise<void> {
    if (!isDir) {
      await fs.unlink(this.abs(rel));
      this.sizes.remove(rel, false);
      return;
    }
    await fs.rm(this.abs(rel), { recursive: true, force: true });
    this.sizes.remove(rel, true);
    this.forget(rel);
  }

  private forget(rel: string): void {
    for (const d of this.knownDirs) if (d !== '' && isWithin(d, rel)) this.knownDirs.delete(d);
    for (const d of this.setgidDirs) if (isWithin(d, rel)) this.setgidDirs.delete(d);
    for (const d of this.dirTimes.keys()) if (isWithin(d, rel)) this.dirTimes.delete(d);
  }

  /**
   * Sets the recorded directory times. Runs last: creating entries inside a directory changes
   * its mtime, so directory times are only final once the whole layer is in place.
   */
  async applyDirTimes(): Promise<void> {
    // Independent calls (a directory's times are not changed by setting another's): a few run at
    // once instead of one threadpool round trip after the other. All finish before this returns.
    const todo = [...this.dirTimes];
    const worker = async () => {
      for (let e = todo.pop(); e; e = todo.pop()) await fs.lutimes(this.abs(e[0]), e[1][0], e[1][1]);
    };
    const done = await Promise.allSettled(Array.from({ length: Math.min(DIR_TIMES_AT_ONCE, todo.length) }, worker));
    for (const d of done) if (d.status === 'rejected') throw d.reason;
  }
}
