import { constants, promises as fs } from 'node:fs';
import type tarStream from 'tar-stream';
import { errnoCode, internal, invalidArgument, isWharfError } from '../../errdefs/index.js';
import { DeferredOps } from './deferred-ops.js';
import { LayerTree } from './layer-tree.js';
import { baseOf, cleanEntryPath, parentOf } from './secure-path.js';
import { drain, normalizeHeader, type TarEntryHeader } from './tar-reader.js';
import { WhiteoutApplier, type WhiteoutMode } from './whiteout-applier.js';

export type { WhiteoutMode } from './whiteout-applier.js';

/** Files up to this size are buffered and written concurrently; larger ones are streamed. */
const SMALL_FILE = 1 << 20;
const WRITE_BATCH = 1 << 20;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Overlay's own xattrs steer lookups (redirects, metacopy): a layer must never set them itself. */
const OVERLAY_XATTR = 'trusted.overlay.';

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
    if (mode === 'delete') this.written = new Set();
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

  /** Waits for running writes after a failure, so the caller can remove the directory safely. */
  async abort(): Promise<void> {
    await this.deferred.settle().catch(() => {});
  }

  /**
   * Creates the entry at `rel` with `make`: flushes deferred work that touches it, makes its
   * parents real directories, and on EEXIST removes what is there and retries (Docker's rule).
   * @returns what `make` made, or undefined when `rel` is an existing directory and the entry one
   * too (then its metadata was updated in place).
   */
  private async create<T>(rel: string, hdr: TarEntryHeader, make: () => Promise<T>): Promise<{ made: T } | undefined> {
    if (this.deferred.touches(rel)) await this.deferred.flush();
    await this.tree.ensureParents(rel, hdr.name);
    this.written?.add(rel);
    try {
      return { made: await make() };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const existing = await this.tree.lstat(rel);
    if (existing?.isDirectory() && hdr.type === 'directory') {
      this.tree.markDir(rel, existing.mode);
      await this.dirMeta(rel, hdr);
      this.xattrs(rel, hdr);
      return undefined;
    }
    if (existing) await this.tree.remove(rel, existing.isDirectory());
    return { made: await make() };
  }

  private async file(rel: string, hdr: TarEntryHeader, body: AsyncIterable<unknown>): Promise<void> {
    // O_EXCL|O_NOFOLLOW: always a new inode, never a write through a symlink or into a file.
    const fh = (await this.create(rel, hdr, () => fs.open(this.tree.abs(rel), CREATE_FLAGS, hdr.mode & 0o777)))!.made;
    const chown = this.needsChown(rel, hdr);
    // The open mode was filtered by the umask, and special bits are set only after chown
    // (which clears setuid/setgid).
    const chmod = (hdr.mode & 0o7000) !== 0 || (hdr.mode & 0o777 & ~this.umask) !== (hdr.mode & 0o777);
    const finish = async () => {
      try {
        if (chown) await fh.chown(hdr.uid, hdr.gid);
        if (chmod) await fh.chmod(hdr.mode);
        await fh.utimes(hdr.atime, hdr.mtime);
      } finally {
        await fh.close();
      }
    };
    let handedOff = false;
    try {
      if (hdr.size <= SMALL_FILE) {
        const chunks: Buffer[] = [];
        for await (const c of body) chunks.push(c as Buffer);
        handedOff = true;
        // Written concurrently with the following entries (see DeferredOps).
        await this.deferred.run(rel, async () => {
          try {
            if (hdr.size > 0) await writeAll(fh, chunks, hdr.size);
          } catch (err) {
            await fh.close();
            throw err;
          }
          await finish();
        });
      } else {
        await streamInto(fh, body);
        handedOff = true;
        await finish();
      }
    } catch (err) {
      if (!handedOff) await fh.close().catch(() => {});
      throw err;
    }
    this.xattrs(rel, hdr);
  }

  /** Directories, symlinks, hardlinks, devices and fifos. */
  private async special(rel: string, hdr: TarEntryHeader): Promise<void> {
    const abs = this.tree.abs(rel);
    switch (hdr.type) {
      case 'directory':
        if ((await this.create(rel, hdr, () => fs.mkdir(abs, 0o700))) === undefined) return;
        this.tree.markDir(rel, hdr.mode);
        await this.dirMeta(rel, hdr);
        break;
      case 'symlink':
        await this.create(rel, hdr, () => fs.symlink(hdr.linkname, abs));
        if (this.needsChown(rel, hdr)) await fs.lchown(abs, hdr.uid, hdr.gid);
        await fs.lutimes(abs, hdr.atime, hdr.mtime);
        break;
      case 'link': {
        // The target is checked before anything at `rel` is replaced. link(2) does not follow a
        // symlink target: it links the symlink itself.
        const target = this.tree.abs(await this.linkTarget(rel, hdr));
        await this.create(rel, hdr, () => fs.link(target, abs));
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

  private async root(hdr: TarEntryHeader): Promise<void> {
    if (hdr.type !== 'directory') throw invalidArgument(`invalid tar entry ${JSON.stringify(hdr.name)}: the layer root must be a directory`);
    this.tree.markDir('', hdr.mode);
    await this.dirMeta('', hdr);
    this.xattrs('', hdr);
  }

  private async dirMeta(rel: string, hdr: TarEntryHeader): Promise<void> {
    const abs = this.tree.abs(rel);
    await fs.lchown(abs, hdr.uid, hdr.gid);
    // After chown, which clears setgid.
    await fs.chmod(abs, hdr.mode);
    this.tree.setDirTimes(rel, hdr.atime, hdr.mtime);
  }

  private xattrs(rel: string, hdr: TarEntryHeader): void {
    for (const [name, value] of hdr.xattrs) {
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

/** Streams a large entry body into `fh` in ~1 MiB writes. */
async function streamInto(fh: fs.FileHandle, body: AsyncIterable<unknown>): Promise<void> {
  let batch: Buffer[] = [];
  let batched = 0;
  for await (const c of body) {
    batch.push(c as Buffer);
    batched += (c as Buffer).length;
    if (batched >= WRITE_BATCH) {
      await writeAll(fh, batch, batched);
      batch = [];
      batched = 0;
    }
  }
  if (batched > 0) await writeAll(fh, batch, batched);
}

/** Writes all of `bufs` (total `len` bytes), continuing after short writes. */
async function writeAll(fh: fs.FileHandle, bufs: Buffer[], len: number): Promise<void> {
  let { bytesWritten } = await fh.writev(bufs);
  if (bytesWritten === len) return;
  const rest = Buffer.concat(bufs).subarray(bytesWritten);
  let off = 0;
  while (off < rest.length) {
    ({ bytesWritten } = await fh.write(rest, off));
    off += bytesWritten;
  }
}
