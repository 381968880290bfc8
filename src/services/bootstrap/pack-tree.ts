import type { BigIntStats } from 'node:fs';
import { constants, promises as fs } from 'node:fs';
import type { Writable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { devNumbers, TarWriter, type TarWriteHeader } from '../../lib/tar/tar-writer.js';
import { readXattrTree, type XattrTree } from '../../lib/tar/xattr-tree.js';
import { comparePaths } from './pack-entries.js';

/**
 * What to do with one path of the tree: pack it (`include`), leave it out (`exclude`), or, for a
 * directory, pack the directory itself but none of its content (`empty` — /dev, /proc, /sys).
 */
export type PackDecision = 'include' | 'exclude' | 'empty';

/** Decides per path, relative to the root, without a leading slash. */
export type PackFilter = (rel: string, st: BigIntStats) => PackDecision;

export interface PackTreeOptions {
  /** Default: include everything. */
  filter?: PackFilter;
  /** Entries newer than this carry this time instead (reproducible-builds clamping). */
  clampMtime?: Date;
}

export interface PackTreeResult {
  /** sha256 of the tar written: the layer's diffID. */
  diffId: Digest;
  size: number;
}

/** SELinux labels belong to the host that wrote the file, not to the image. */
const SKIPPED_XATTRS = new Set(['security.selinux']);


/** Walks a tree in a stable order and writes each kept path through a TarWriter. */
class TreePacker {
  /** First name of each multiply-linked inode ("dev:ino"): later names become hardlink entries. */
  private readonly inodes = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly tar: TarWriter,
    private readonly xattrs: XattrTree,
    private readonly filter: PackFilter,
    private readonly clamp: number | undefined,
  ) {}

  async walk(dirRel: string): Promise<void> {
    const names = (await fs.readdir(dirRel === '' ? this.root : `${this.root}/${dirRel}`)).sort(comparePaths);
    for (const name of names) {
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      const st = await fs.lstat(`${this.root}/${rel}`, { bigint: true });
      const decision = this.filter(rel, st);
      // Sockets cannot be archived (Docker skips them too).
      if (decision === 'exclude' || st.isSocket()) continue;
      await this.entry(rel, st);
      if (st.isDirectory() && decision === 'include') await this.walk(rel);
    }
  }

  private meta(rel: string, st: BigIntStats): Omit<TarWriteHeader, 'name' | 'type'> {
    const mtime = Number(st.mtimeNs / 1_000_000_000n);
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of this.xattrs.get(rel) ?? []) if (!SKIPPED_XATTRS.has(k)) xattrs.set(k, v);
    return { mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), mtime: this.clamp !== undefined && mtime > this.clamp ? this.clamp : mtime, xattrs };
  }

  private async entry(rel: string, st: BigIntStats): Promise<void> {
    const meta = this.meta(rel, st);
    if (st.isDirectory()) return this.tar.header({ ...meta, name: rel, type: 'directory' });
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.inodes.get(key);
      if (first !== undefined) return this.tar.header({ ...meta, name: rel, type: 'link', linkname: first });
      this.inodes.set(key, rel);
    }
    if (st.isSymbolicLink()) return this.tar.header({ ...meta, name: rel, type: 'symlink', linkname: await fs.readlink(`${this.root}/${rel}`) });
    if (st.isCharacterDevice()) return this.tar.header({ ...meta, name: rel, type: 'character-device', ...devNumbers(st.rdev) });
    if (st.isBlockDevice()) return this.tar.header({ ...meta, name: rel, type: 'block-device', ...devNumbers(st.rdev) });
    if (st.isFIFO()) return this.tar.header({ ...meta, name: rel, type: 'fifo' });
    return this.file(rel, Number(st.size), meta);
  }

  private async file(rel: string, size: number, meta: Omit<TarWriteHeader, 'name' | 'type'>): Promise<void> {
    const fh = await fs.open(`${this.root}/${rel}`, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      await this.tar.fileEntry({ ...meta, name: rel, type: 'file', size }, fh);
    } finally {
      await fh.close();
    }
  }
}

/**
 * Packs a directory tree (not the root itself) as a layer tar into `out`, and ends `out`. The
 * order is stable — names sorted byte-wise, each directory before its content — and ownership,
 * modes (with setuid/setgid/sticky), symlinks, hardlinks, device nodes, fifos and xattrs are
 * kept, through the project's TarWriter (Go/Docker-style PAX). With `clampMtime` the same tree
 * packs to the same bytes however recently its files were written.
 */
export async function packTree(root: string, out: Writable, opts: PackTreeOptions = {}): Promise<PackTreeResult> {
  const st = await fs.lstat(root);
  if (!st.isDirectory()) throw invalidArgument(`${root} is not a directory`);
  const clamp = opts.clampMtime ? Math.floor(opts.clampMtime.getTime() / 1000) : undefined;
  const tar = new TarWriter(out);
  try {
    const packer = new TreePacker(root, tar, await readXattrTree(root), opts.filter ?? (() => 'include'), clamp);
    await packer.walk('');
    await tar.finish();
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    out.destroy();
    throw err;
  }
  return { diffId: tar.digest(), size: tar.size };
}
