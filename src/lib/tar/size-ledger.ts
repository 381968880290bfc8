import { isWithin } from './secure-path.js';

/** One inode made by the layer: its size as lstat reports it, and how many names it has. */
interface Inode {
  size: number;
  links: number;
}

/**
 * Docker's DiffSize of a layer (moby pkg/directory.Size: the lstat sizes of everything that is not
 * a directory, a hardlinked inode counted once) kept up to date while the layer is applied, so the
 * applied tree need not be walked again afterwards (one lstat per file, one readdir per
 * directory: as many syscalls as the apply itself made to create them).
 *
 * Exact only for a tree that started empty (an overlay upperdir): it knows the inodes the layer
 * made, not what was there before. Paths are the applier's clean relative paths.
 */
export class SizeLedger {
  private readonly byPath = new Map<string, Inode>();
  private bytes = 0;

  /** The DiffSize of what the layer has made so far. */
  get size(): number {
    return this.bytes;
  }

  /** A new inode of `size` bytes at `rel` (a file, or a symlink: its target's byte length). */
  add(rel: string, size: number): void {
    this.byPath.set(rel, { size, links: 1 });
    this.bytes += size;
  }

  /** `rel` became another name of the inode at `target` (a hardlink). */
  link(rel: string, target: string): void {
    const inode = this.byPath.get(target);
    // A target the ledger does not know is a node of size 0 (device, fifo): nothing to count.
    if (!inode) return;
    inode.links++;
    this.byPath.set(rel, inode);
  }

  /** `rel` was removed — with everything beneath it when it was a directory. */
  remove(rel: string, isDir: boolean): void {
    this.unlink(rel);
    if (!isDir) return;
    for (const p of [...this.byPath.keys()]) if (p !== rel && isWithin(p, rel)) this.unlink(p);
  }

  private unlink(rel: string): void {
    const inode = this.byPath.get(rel);
    if (!inode) return;
    this.byPath.delete(rel);
    if (--inode.links === 0) this.bytes -= inode.size;
  }
}
