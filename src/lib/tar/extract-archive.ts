import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type tarStream from 'tar-stream';
import { errnoCode, internal, invalidArgument, isWharfError, toWharfError } from '../../errdefs/index.js';
import { runCommand } from '../exec-file.js';
import { decompressed } from './decompress.js';
import { baseOf, cleanEntryPath, parentOf } from './secure-path.js';
import { cleanScoped, type ScopedTree, secureJoin } from './secure-join.js';
import { createTarExtract, drain, normalizeHeader, type TarEntryHeader } from './tar-reader.js';

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse (Docker's noOverwriteDirNonDir). */
  noOverwriteDirNonDir?: boolean;
  /** Give every entry this owner instead of the archive's (Docker's ChownOpts, `docker cp -a`). */
  chown?: { uid: number; gid: number };
  /** Receives non-fatal problems (xattrs the filesystem refuses). */
  warn?: (msg: string) => void;
}

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Extracts a tar (plain, gzip or zstd) into the directory `dest` of a scoped tree, the way
 * `docker cp` does inside a container (moby's chrooted Untar): entry names are taken relative to
 * `dest` and may not climb out of it (`../x` is refused), but their parent directories are
 * resolved *inside the scope* — a symlink `bin -> usr/bin` in the container is followed to the
 * container's `/usr/bin`, never to the host's. Missing parents are created (0755). An existing
 * path is replaced, except a directory by a directory (its owner and mode are updated). Unlike a
 * layer, whiteout names (`.wh.x`) are ordinary files here. New inodes are made with O_EXCL /
 * mkdir / symlink / link / mknod, which never follow a symlink at the final component.
 *
 * The tree must hold still while this runs (the caller freezes a live container).
 * Errors: InvalidArgument for a refused entry or a corrupt tar; the tree is left partly extracted.
 */
export async function extractArchive(source: Readable, tree: ScopedTree, dest: string, opts: ExtractOptions = {}): Promise<{ entries: number }> {
  const { stream } = await decompressed(source);
  const extract = createTarExtract();
  const feed = pipeline(stream, extract as unknown as NodeJS.WritableStream);
  feed.catch(() => {});
  const x = new Extractor(tree, cleanScoped(dest), opts);
  let entries = 0;
  try {
    for await (const entry of extract) {
      await x.apply(entry.header, entry);
      entries++;
    }
    await feed;
    await x.finish();
  } catch (err) {
    source.destroy();
    const feedErr = await feed.then(
      () => undefined,
      (e: unknown) => e,
    );
    const broke = feedErr !== undefined && errnoCode(feedErr) !== 'ERR_STREAM_PREMATURE_CLOSE' && !isWharfError(err);
    const e = broke ? feedErr : err;
    if (isWharfError(e)) throw e;
    if (e instanceof Error && errnoCode(e) === undefined) throw invalidArgument(`invalid tar archive: ${e.message}`, { cause: e });
    throw toWharfError(e);
  }
  return { entries };
}

class Extractor {
  /** Resolved host directories by scoped path (before resolution); see `forget`. */
  private readonly dirs = new Map<string, string>();
  /** Directory times, set last: creating entries inside a directory changes its mtime. */
  private readonly dirTimes: Array<{ host: string; atime: number; mtime: number }> = [];
  private readonly warn: (msg: string) => void;

  constructor(
    private readonly tree: ScopedTree,
    private readonly dest: string,
    private readonly opts: ExtractOptions,
  ) {
    this.warn = opts.warn ?? (() => {});
  }

  async apply(raw: tarStream.Header, body: AsyncIterable<unknown>): Promise<void> {
    const hdr = normalizeHeader(raw);
    if (!hdr) throw invalidArgument(`unhandled tar header type ${raw.type} for ${JSON.stringify(raw.name)}`);
    const rel = cleanEntryPath(hdr.name, 'archive entry');
    // Docker skips the archive's own root ("./"): the destination keeps its owner and mode.
    if (rel === '') return drain(body);
    const scoped = this.join(rel);
    const parent = await this.dir(parentOf(scoped));
    const host = `${parent === '/' ? '' : parent}/${baseOf(rel)}`;
    const existing = await lstat(host);
    if (existing) await this.replace(existing, host, scoped, hdr);
    if (hdr.type === 'file') await this.file(host, hdr, body);
    else {
      await drain(body);
      await this.special(host, hdr, existing?.isDirectory() === true);
    }
    await this.xattrs(host, hdr);
  }

  async finish(): Promise<void> {
    for (const d of this.dirTimes.reverse()) await fs.lutimes(d.host, d.atime, d.mtime);
  }

  private join(rel: string): string {
    return this.dest === '/' ? `/${rel}` : `${this.dest}/${rel}`;
  }

  /** Host path of scoped directory `scoped`, resolved in the scope, missing components created. */
  private async dir(scoped: string): Promise<string> {
    const known = this.dirs.get(scoped);
    if (known) return known;
    const r = await secureJoin(this.tree, scoped);
    if (!r.exists) await this.mkdirAll(r.scoped);
    const st = await lstat(r.host);
    if (!st?.isDirectory()) throw invalidArgument(`cannot extract into ${JSON.stringify(scoped)}: not a directory`);
    this.dirs.set(scoped, r.host);
    return r.host;
  }

  /** Creates the missing components of a resolved (symlink-free) scoped path, 0755 like Docker. */
  private async mkdirAll(resolved: string): Promise<void> {
    let p = '';
    for (const c of resolved.split('/').filter(Boolean)) {
      p += `/${c}`;
      const host = this.tree.hostPath(p);
      const st = await lstat(host);
      if (st?.isDirectory()) continue;
      if (st) throw invalidArgument(`cannot create directory ${JSON.stringify(p)}: not a directory`);
      await fs.mkdir(host);
      await fs.chmod(host, 0o755);
    }
  }

  /**
   * Docker's replacement rule (with its noOverwriteDirNonDir refusals; dockerd's messages name
   * host paths, these name the scoped ones: a client has no business knowing the host's layout).
   */
  private async replace(existing: Stats, host: string, scoped: string, hdr: TarEntryHeader): Promise<void> {
    const entryIsDir = hdr.type === 'directory';
    if (this.opts.noOverwriteDirNonDir && existing.isDirectory() && !entryIsDir) {
      throw invalidArgument(`cannot overwrite directory ${JSON.stringify(scoped)} with non-directory ${JSON.stringify(this.dest)}`);
    }
    if (this.opts.noOverwriteDirNonDir && !existing.isDirectory() && entryIsDir) {
      throw invalidArgument(`cannot overwrite non-directory ${JSON.stringify(scoped)} with directory ${JSON.stringify(this.dest)}`);
    }
    if (existing.isDirectory() && entryIsDir) return;
    // A removed directory or symlink may be part of a cached resolution.
    if (existing.isDirectory() || existing.isSymbolicLink()) this.dirs.clear();
    await fs.rm(host, { recursive: true, force: true });
  }

  private owner(hdr: TarEntryHeader): { uid: number; gid: number } {
    return this.opts.chown ?? { uid: hdr.uid, gid: hdr.gid };
  }

  private async file(host: string, hdr: TarEntryHeader, body: AsyncIterable<unknown>): Promise<void> {
    // O_EXCL|O_NOFOLLOW: always a new inode, never a write through a symlink.
    const fh = await fs.open(host, CREATE_FLAGS, hdr.mode & 0o777);
    try {
      for await (const c of body) await fh.write(c as Buffer);
      const o = this.owner(hdr);
      await fh.chown(o.uid, o.gid);
      // After chown, which clears setuid/setgid; also undoes the umask.
      await fh.chmod(hdr.mode);
      await fh.utimes(hdr.atime, hdr.mtime);
    } finally {
      await fh.close();
    }
  }

  private async special(host: string, hdr: TarEntryHeader, isDirAlready: boolean): Promise<void> {
    const o = this.owner(hdr);
    switch (hdr.type) {
      case 'directory':
        if (!isDirAlready) await fs.mkdir(host, 0o700);
        await fs.lchown(host, o.uid, o.gid);
        await fs.chmod(host, hdr.mode);
        this.dirTimes.push({ host, atime: hdr.atime, mtime: hdr.mtime });
        return;
      case 'symlink':
        await fs.symlink(hdr.linkname, host);
        await fs.lchown(host, o.uid, o.gid);
        await fs.lutimes(host, hdr.atime, hdr.mtime);
        return;
      case 'link':
        // link(2) does not follow a symlink target: it links the symlink itself.
        await fs.link(await this.linkTarget(hdr), host);
        return;
      default: {
        // Node has no mknod(2).
        const kind = hdr.type === 'fifo' ? 'p' : hdr.type === 'block-device' ? 'b' : 'c';
        const dev = kind === 'p' ? [] : [String(hdr.devmajor), String(hdr.devminor)];
        await runCommand('mknod', ['-m', (hdr.mode & 0o7777).toString(8), '--', host, kind, ...dev]);
        await fs.lchown(host, o.uid, o.gid);
        if (hdr.mode & 0o7000) await fs.chmod(host, hdr.mode);
        await fs.lutimes(host, hdr.atime, hdr.mtime);
      }
    }
  }

  /** A hardlink's target: named relative to `dest` like entries, resolved in the scope, existing, not a directory. */
  private async linkTarget(hdr: TarEntryHeader): Promise<string> {
    const rel = cleanEntryPath(hdr.linkname, 'hardlink target');
    const what = `invalid hardlink ${JSON.stringify(hdr.name)} -> ${JSON.stringify(hdr.linkname)}`;
    if (rel === '') throw invalidArgument(`${what}: bad target`);
    const parent = await secureJoin(this.tree, parentOf(this.join(rel)));
    const target = path.join(parent.host, baseOf(rel));
    const st = parent.exists ? await lstat(target) : undefined;
    if (!st) throw invalidArgument(`${what}: target does not exist`);
    if (st.isDirectory()) throw invalidArgument(`${what}: target is a directory`);
    return target;
  }

  /** PAX xattrs, as Docker's Untar applies them; overlay's own (`trusted.overlay.*`) never. */
  private async xattrs(host: string, hdr: TarEntryHeader): Promise<void> {
    for (const [name, value] of hdr.xattrs) {
      if (name.startsWith('trusted.overlay.')) continue;
      const res = await runCommand('setfattr', ['-h', '-n', name, '-v', `0s${value.toString('base64')}`, host], { check: false });
      if (res.code === 0) continue;
      if (/Operation not supported|Operation not permitted/.test(res.stderr)) this.warn(`ignoring extended attribute ${name} on ${host}: ${res.stderr.trim()}`);
      else throw internal(`setting extended attribute ${name} on ${host} failed: ${res.stderr.trim()}`);
    }
  }
}

async function lstat(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
