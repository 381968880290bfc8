import { type BigIntStats, constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { errnoCode, isWharfError, notFound, toWharfError } from '../../errdefs/index.js';
import type { Digest } from '../digest.js';
import type { TarEntryType } from './tar-reader.js';
import { devNumbers, TarWriter, type TarWriteHeader } from './tar-writer.js';
import { readXattrTree, type XattrTree } from './xattr-tree.js';

export interface TarResult {
  /** sha256 of the tar stream written (for a layer diff: its diffID). */
  diffID: Digest;
  /** Bytes written. */
  size: number;
}

export interface TarDirectoryOptions {
  /**
   * Name the root gets in the archive (`name/`, then `name/child`…). Without it the root itself
   * is not archived and children are named relative to it. Required when `dir` is not a directory
   * (then the single entry is named so; default: its basename).
   */
  rootName?: string;
}

/**
 * Not carried into archives: overlay's bookkeeping (turned into OCI whiteouts instead) and SELinux
 * labels, which belong to the host that wrote the file.
 */
const SKIPPED_XATTRS = (name: string) => name.startsWith('trusted.overlay.') || name === 'security.selinux';

/**
 * Writes the OCI layer tar of an overlay upper directory to `out` (and ends `out`): overlay
 * whiteouts (0:0 character devices) become `.wh.NAME` entries and opaque directories
 * (`trusted.overlay.opaque=y`) get a `.wh..wh..opq` entry. Entries come in a deterministic order
 * (depth first, names sorted bytewise), hardlinks are detected by inode, and uid/gid, mode, mtime
 * (whole seconds, as Docker writes them) and xattrs are preserved; long or non-ASCII names use PAX.
 */
export async function writeDiff(upperDir: string, out: Writable): Promise<TarResult> {
  return archive(path.resolve(upperDir), out, { overlay: true });
}

/**
 * Writes a plain tar of `dir` (no whiteout conversion) to `out` and ends `out`; used by export
 * and copy. See {@link TarDirectoryOptions} for naming.
 */
export async function tarDirectory(dir: string, out: Writable, opts: TarDirectoryOptions = {}): Promise<TarResult> {
  return archive(path.resolve(dir), out, { overlay: false, rootName: opts.rootName });
}

interface ArchiveOptions {
  overlay: boolean;
  rootName?: string;
}

async function archive(root: string, out: Writable, opts: ArchiveOptions): Promise<TarResult> {
  let st: BigIntStats;
  try {
    st = await fs.lstat(root, { bigint: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw notFound(`no such file or directory: ${root}`);
    throw toWharfError(err);
  }
  const tar = new TarWriter(out);
  try {
    const walker = new TreeArchiver(root, tar, opts.overlay, st.isDirectory() ? await readXattrTree(root) : new Map());
    if (!st.isDirectory()) await walker.entry('', opts.rootName ?? path.basename(root), st);
    else await walker.tree(opts.rootName);
    await tar.finish();
    await new Promise<void>((resolve) => out.end(resolve));
  } catch (err) {
    out.destroy();
    throw isWharfError(err) ? err : toWharfError(err);
  }
  return { diffID: tar.digest(), size: tar.size };
}

/** Walks a tree (never following symlinks) and writes its entries. */
class TreeArchiver {
  /** First archive name of each multiply-linked inode ("dev:ino"), for hardlink entries. */
  private readonly links = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly tar: TarWriter,
    private readonly overlay: boolean,
    private readonly xattrs: XattrTree,
  ) {}

  /** Archives the root's content; with `rootName` the root itself too, under that name. */
  async tree(rootName?: string): Promise<void> {
    const st = await fs.lstat(this.root, { bigint: true });
    // A named root is an entry of its own (which recurses into its children).
    if (rootName !== undefined) return this.entry('', rootName, st);
    if (this.overlay && this.isOpaque('')) await this.tar.entry({ ...this.base(st), name: '.wh..wh..opq', type: 'file' });
    await this.children('', undefined);
  }

  /** Archives the entries of directory `rel`, whose archive name is `dirName` (undefined: the unnamed root). */
  private async children(rel: string, dirName: string | undefined): Promise<void> {
    const names = await fs.readdir(this.abs(rel));
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) {
      const childRel = rel === '' ? n : `${rel}/${n}`;
      let st: BigIntStats;
      try {
        st = await fs.lstat(this.abs(childRel), { bigint: true });
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue; // removed while we walked
        throw err;
      }
      await this.entry(childRel, dirName === undefined ? n : `${dirName}/${n}`, st);
    }
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  private isOpaque(rel: string): boolean {
    return this.xattrs.get(rel)?.get('trusted.overlay.opaque')?.toString() === 'y';
  }

  private base(st: BigIntStats): Omit<TarWriteHeader, 'name' | 'type'> {
    const xattrs = new Map<string, Buffer>();
    return { mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), mtime: Number(st.mtimeNs / 1_000_000_000n), xattrs };
  }

  private meta(rel: string, st: BigIntStats): Omit<TarWriteHeader, 'name' | 'type'> {
    const m = this.base(st);
    for (const [k, v] of this.xattrs.get(rel) ?? []) if (!SKIPPED_XATTRS(k)) m.xattrs!.set(k, v);
    return m;
  }

  /** Archives one path as `name`, recursing into directories. */
  async entry(rel: string, name: string, st: BigIntStats): Promise<void> {
    const meta = this.meta(rel, st);
    if (st.isDirectory()) {
      await this.tar.header({ ...meta, name, type: 'directory' });
      if (this.overlay && this.isOpaque(rel)) {
        // Docker's form: a zero-length file with the directory's owner and permission bits.
        await this.tar.entry({ ...this.base(st), name: `${name}/.wh..wh..opq`, type: 'file' });
      }
      await this.children(rel, name);
      return;
    }
    if (st.isCharacterDevice() && st.rdev === 0n && this.overlay) {
      const dir = path.posix.dirname(name);
      await this.tar.entry({ ...this.base(st), mode: 0o600, name: dir === '.' ? `.wh.${path.posix.basename(name)}` : `${dir}/.wh.${path.posix.basename(name)}`, type: 'file' });
      return;
    }
    if (st.isSocket()) return; // sockets cannot be archived (Docker skips them too)
    if (st.nlink > 1n && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) {
        await this.tar.header({ ...meta, name, type: 'link', linkname: first });
        return;
      }
      this.links.set(key, name);
    }
    if (st.isSymbolicLink()) {
      await this.tar.header({ ...meta, name, type: 'symlink', linkname: await fs.readlink(this.abs(rel)) });
    } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
      const type: TarEntryType = st.isFIFO() ? 'fifo' : st.isBlockDevice() ? 'block-device' : 'character-device';
      await this.tar.header({ ...meta, name, type, ...devNumbers(st.rdev) });
    } else {
      await this.file(rel, name, st, meta);
    }
  }

  private async file(rel: string, name: string, st: BigIntStats, meta: Omit<TarWriteHeader, 'name' | 'type'>): Promise<void> {
    const fh = await fs.open(this.abs(rel), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      await this.tar.fileEntry({ ...meta, name, type: 'file', size: Number(st.size) }, fh);
    } finally {
      await fh.close();
    }
  }
}
