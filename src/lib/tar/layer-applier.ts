import { constants, promises as fs } from 'node:fs';
import type tarStream from 'tar-stream';
import { errnoCode, internal, invalidArgument, isWharfError } from '../../errdefs/index.js';
import { DeferredOps } from './deferred-ops.js';
import { type FileMeta, fileMeta, streamInto, writeAll } from './file-writes.js';
import { LayerTree } from './layer-tree.js';
import { baseOf, cleanEntryPath, parentOf } from './secure-path.js';
import { drain, normalizeHeader, type TarEntryHeader } from './tar-reader.js';
import { WhiteoutApplier, type WhiteoutMode } from './whiteout-applier.js';

export type { WhiteoutMode } from './whiteout-applier.js';

/** Files up to this size are buffered and written concurrently; larger ones are streamed. */
const SMALL_FILE = 1 << 20;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Overlay's own xattrs steer lookups (redirects, metacopy): a layer must never set them itself. */
const OVERLAY_XATTR = 'trusted.overlay.';
/** A directory's default ACL sets the mode of what is created in it instead of the umask. */
const DEFAULT_ACL_XATTR = 'system.posix_acl_default';

/**
 * Applies tar entries, in order, to a directory (see applyLayer for the contract). Docker's
 * replacement rule holds: an existing path is removed before an entry is created there, except a
 * directory over a directory, whose metadata is updated in place. New inodes are created with
 * O_EXCL / mkdir / symlink / link, which fail rather than follow or overwrite anything.
 */
export class LayerApplier {
  private readonly tree: LayerTree;
  private readonly deferred: DeferredOps;
  private readonly whiteouts: WhiteoutApplier;
  /** Paths this layer has produced: an opaque marker in 'delete' mode keeps these. */
  private readonly written?: Set<string>;
  private readonly umask = process.umask();
  private readonly euid = process.geteuid?.() ?? 0;
  private readonly egid = process.getegid?.() ?? 0;
  /**
   * Whether every new inode gets its mode by chmod. Set in 'delete' mode (lower layers may hold
   * default ACLs) and once an entry carries a default ACL: then the umask no longer predicts a
   * new inode's mode.
   */
  private explicitModes = false;

  /** `rootMode`: the permission bits of the root directory as it is now. */
  constructor(
    root: string,
    rootMode: number,
    mode: WhiteoutMode,
    warn: (msg: string) => void,
  ) {
    this.tree = new LayerTree(root);
    this.tree.markDir('', rootMode);
    this.deferred = new DeferredOps(root, warn);
    if (mode === 'delete') {
      this.written = new Set();
      this.explicitModes = true;
    }
    this.whiteouts = new WhiteoutApplier(this.tree, this.deferred, mode, this.written);
  }

  /** Applies one entry and drains its body. Errors are WharfErrors naming the entry. */
  async apply(h: tarStream.Header, body: AsyncIterable<unknown>): Promise<void> {
    try {
      const hdr = normalizeHeader(h);
      if (!hdr) throw invalidArgument(`invalid tar entry ${JSON.stringify(h.name)}: unsupported entry type ${h.type}`);
      const rel = cleanEntryPath(hdr.name);
      if (hdr.type === 'file' && rel !== '' && !baseOf(rel).startsWith('.wh.')) return await this.file(rel, hdr, body);
      await drain(body);
      if (rel === '') await this.root(hdr);
      else if (baseOf(rel).startsWith('.wh.')) await this.whiteouts.apply(rel, hdr.name);
      else await this.special(rel, hdr);
    } catch (err) {
      throw entryError(h.name, err);
    }
  }

  /** Completes the layer: running writes, pending device nodes and xattrs, then directory times. */
  async finish(): Promise<void> {
    await this.deferred.finish();
    await this.tree.applyDirTimes();
  }

  /** Docker's DiffSize of what was applied (see SizeLedger: exact when the root started empty). */
  get diffSize(): number {
    return this.tree.sizes.size;
  }

  /** Waits for running writes after a failure, so the caller can remove the directory safely. */
  async abort(): Promise<void> {
    await this.deferred.settle().catch(() => {});
  }

  /**
   * Prepares a path for a new entry: flushes deferred work that touches it and makes its parents
   * real directories. From here until the entry exists nothing else changes those parents: later
   * entries beneath or at `rel` flush first (see DeferredOps.touches).
   */
  private async prepare(rel: string, hdr: TarEntryHeader): Promise<void> {
    if (this.deferred.touches(rel)) await this.deferred.flush();
    await this.tree.ensureParents(rel, hdr.name);
    this.written?.add(rel);
  }

  /**
   * Makes the entry at `rel` with `make` (after {@link prepare}); on EEXIST removes what is
   * there and retries (Docker's rule). Safe to run deferred: it touches only `rel`.
   */
  private async replacing<T>(rel: string, make: () => Promise<T>): Promise<T> {
    try {
      return await make();
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const existing = await this.tree.lstat(rel);
    if (existing) await this.tree.remove(rel, existing.isDirectory());
    return make();
  }

  /**
   * Creates the entry at `rel` with `make` in entry order (prepare, then make, replacing what is
   * there). @returns false when `rel` is an existing directory and the entry one too: then its
   * metadata was updated in place and nothing was made.
   */
  private async create(rel: string, hdr: TarEntryHeader, make: () => Promise<unknown>): Promise<boolean> {
    await this.prepare(rel, hdr);
    try {
      await make();
      return true;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const existing = await this.tree.lstat(rel);
    if (existing?.isDirectory() && hdr.type === 'directory') {
      this.tree.markDir(rel, existing.mode);
      await this.dirMeta(rel, hdr, false);
      this.xattrs(rel, hdr);
      return false;
    }
    if (existing) await this.tree.remove(rel, existing.isDirectory());
    await make();
    return true;
  }

  /** Opens a new file at `rel` for writing; O_EXCL|O_NOFOLLOW: never a write through a symlink or into a file. */
  private openNew(rel: string, hdr: TarEntryHeader): Promise<fs.FileHandle> {
    return this.replacing(rel, () => fs.open(this.tree.abs(rel), CREATE_FLAGS, hdr.mode & 0o777));
  }

  private async file(rel: string, hdr: TarEntryHeader, body: AsyncIterable<unknown>): Promise<void> {
    await this.prepare(rel, hdr);
    const meta = { chown: this.needsChown(rel, hdr), chmod: this.needsChmod(rel, hdr, false) };
    if (hdr.size <= SMALL_FILE) {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      // Created, written and closed concurrently with the following entries (see DeferredOps):
      // creating the inode is most of a small file's cost, and the tar stream need not wait
      // for it. Errors are named after this entry, not the one being read when they surface.
      await this.deferred.run(rel, () =>
        this.writeNew(rel, hdr, meta, chunks).catch((err: unknown) => {
          throw entryError(hdr.name, err);
        }),
      );
    } else {
      const fh = await this.openNew(rel, hdr);
      this.tree.sizes.add(rel, hdr.size);
      try {
        await streamInto(fh, body);
        await fileMeta(fh, hdr, meta);
      } finally {
        await fh.close();
      }
    }
    this.xattrs(rel, hdr);
  }

  private async writeNew(rel: string, hdr: TarEntryHeader, meta: FileMeta, chunks: Buffer[]): Promise<void> {
    const fh = await this.openNew(rel, hdr);
    this.tree.sizes.add(rel, hdr.size);
    try {
      if (hdr.size > 0) await writeAll(fh, chunks, hdr.size);
      await fileMeta(fh, hdr, meta);
    } finally {
      await fh.close();
    }
  }

  /** Directories, symlinks, hardlinks, devices and fifos. */
  private async special(rel: string, hdr: TarEntryHeader): Promise<void> {
    const abs = this.tree.abs(rel);
    switch (hdr.type) {
      case 'directory':
        // Made with its final permission bits (as far as the umask allows): see dirMeta.
        if (!(await this.create(rel, hdr, () => fs.mkdir(abs, hdr.mode & 0o777)))) return;
        this.tree.markDir(rel, hdr.mode);
        await this.dirMeta(rel, hdr, true);
        break;
      case 'symlink': {
        await this.prepare(rel, hdr);
        const chown = this.needsChown(rel, hdr);
        // Deferred like a small file: a symlink is one inode and its times, nothing reads it.
        await this.deferred.run(rel, () =>
          this.symlinkNew(rel, hdr, chown).catch((err: unknown) => {
            throw entryError(hdr.name, err);
          }),
        );
        break;
      }
      case 'link': {
        // The target is checked before anything at `rel` is replaced. link(2) does not follow a
        // symlink target: it links the symlink itself.
        const target = await this.linkTarget(rel, hdr);
        await this.create(rel, hdr, () => fs.link(this.tree.abs(target), abs));
        this.tree.sizes.link(rel, target);
        break;
      }
      default:
        await this.create(rel, hdr, async () => {
          // mknod is batched, so the EEXIST check is done here, up front.
          if (await this.tree.lstat(rel)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
        });
        this.deferred.mknod({
          rel,
          kind: hdr.type === 'fifo' ? 'p' : hdr.type === 'block-device' ? 'b' : 'c',
          major: hdr.devmajor,
          minor: hdr.devminor,
          mode: hdr.mode,
          uid: hdr.uid,
          gid: hdr.gid,
          atime: hdr.atime,
          mtime: hdr.mtime,
        });
    }
    this.xattrs(rel, hdr);
  }

  /** Whether a new inode at `rel` would not already have the owner the entry asks for. */
  private needsChown(rel: string, hdr: TarEntryHeader): boolean {
    return hdr.uid !== this.euid || hdr.gid !== this.egid || this.tree.isSetgid(parentOf(rel));
  }

  /**
   * Whether a new file or directory at `rel`, created with `mode & 0o777`, would not already have
   * the entry's mode: special bits are only ever set by chmod (after chown), the umask may have
   * cleared bits, a directory inherits setgid from a setgid parent, and a default ACL (set by an
   * xattr of this layer) replaces the umask — then every mode is set explicitly. (A default ACL an
   * administrator put on the snapshot root itself is not seen; it can only narrow the bits the
   * entry asked for, never widen them.)
   */
  private needsChmod(rel: string, hdr: TarEntryHeader, dir: boolean): boolean {
    const perm = hdr.mode & 0o777;
    if (this.explicitModes || (hdr.mode & 0o7000) !== 0 || (perm & ~this.umask) !== perm) return true;
    return dir && this.tree.isSetgid(parentOf(rel));
  }

  private async root(hdr: TarEntryHeader): Promise<void> {
    if (hdr.type !== 'directory') throw invalidArgument(`invalid tar entry ${JSON.stringify(hdr.name)}: the layer root must be a directory`);
    this.tree.markDir('', hdr.mode);
    await this.dirMeta('', hdr, false);
    this.xattrs('', hdr);
  }

  /**
   * Gives a directory the entry's owner, mode and (at the end) times. A directory mkdir has just
   * made (`made`) already has our owner and `mode & ~umask`; then only what differs is changed,
   * which for most layers is nothing (two syscalls saved per directory).
   */
  private async dirMeta(rel: string, hdr: TarEntryHeader, made: boolean): Promise<void> {
    const abs = this.tree.abs(rel);
    if (!made || this.needsChown(rel, hdr)) await fs.lchown(abs, hdr.uid, hdr.gid);
    // After chown, which clears setgid.
    if (!made || this.needsChmod(rel, hdr, true)) await fs.chmod(abs, hdr.mode);
    this.tree.setDirTimes(rel, hdr.atime, hdr.mtime);
  }

  private async symlinkNew(rel: string, hdr: TarEntryHeader, chown: boolean): Promise<void> {
    const abs = this.tree.abs(rel);
    await this.replacing(rel, () => fs.symlink(hdr.linkname, abs));
    this.tree.sizes.add(rel, Buffer.byteLength(hdr.linkname));
    if (chown) await fs.lchown(abs, hdr.uid, hdr.gid);
    await fs.lutimes(abs, hdr.atime, hdr.mtime);
  }

  private xattrs(rel: string, hdr: TarEntryHeader): void {
    for (const [name, value] of hdr.xattrs) {
      if (name === DEFAULT_ACL_XATTR) this.explicitModes = true;
      if (!name.startsWith(OVERLAY_XATTR)) this.deferred.setXattr(rel, name, value);
    }
  }

  /** Resolves and checks a hardlink's target: inside the root, existing, not a directory. */
  private async linkTarget(rel: string, hdr: TarEntryHeader): Promise<string> {
    const quoted = `${JSON.stringify(hdr.name)} -> ${JSON.stringify(hdr.linkname)}`;
    let target: string;
    try {
      target = cleanEntryPath(hdr.linkname, 'hardlink target');
    } catch {
      throw invalidArgument(`invalid hardlink ${quoted}: target escapes the layer root`);
    }
    if (target === '' || target === rel) throw invalidArgument(`invalid hardlink ${quoted}: bad target`);
    if (this.deferred.touches(target)) await this.deferred.flush();
    const st = (await this.tree.parentsExist(target, hdr.name)) ? await this.tree.lstat(target) : undefined;
    if (!st) throw invalidArgument(`invalid hardlink ${quoted}: target does not exist`);
    if (st.isDirectory()) throw invalidArgument(`invalid hardlink ${quoted}: target is a directory`);
    return target;
  }
}

function entryError(name: string, err: unknown): Error {
  if (isWharfError(err)) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return internal(`cannot apply tar entry ${JSON.stringify(name)}: ${msg}`, { cause: err });
}
