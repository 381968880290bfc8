import { constants, createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { errnoCode, invalidArgument } from '../../errdefs/index.js';
import { extractArchive } from '../../lib/tar/extract-archive.js';
import { cleanScoped, plainTree, type ScopedTree, secureJoin } from '../../lib/tar/secure-join.js';
import { tarDirectory } from '../../lib/tar/write-diff.js';
import { openLocalArchive } from './add-archive.js';
import type { Identity } from './chown.js';
import { copyTreeFresh } from './copy-tree.js';

/** One source of a COPY/ADD, ready to copy. */
export interface CopySource {
  /** The path as the instruction named it (its basename names a copied file). */
  name: string;
  /** Where it is on the host (symlinks resolved inside its root); undefined for inline content. */
  hostPath?: string;
  /** Inline content (a heredoc source). */
  data?: Buffer;
  isDir: boolean;
  /** Docker's cache hash of the source (`file:…`, `dir:…`). */
  hash: string;
  /** A download: never unpacked by ADD, mode 0600 as Docker writes it. */
  noDecompress?: boolean;
}

/** Where and how a COPY/ADD writes. */
export interface CopyTarget {
  /** The mounted root filesystem. */
  root: string;
  /** The destination as a clean absolute path, keeping a trailing `/` if given. */
  dest: string;
  /** The owner of everything copied; undefined keeps the sources' owners (COPY --from without --chown). */
  owner?: Identity;
  /** `--chmod` for every copied entry. */
  mode?: number;
  /** ADD: unpack local tar archives. */
  decompress: boolean;
}

const ROOT: Identity = { uid: 0, gid: 0 };

async function lstatOrUndefined(p: string) {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * idtools.MkdirAllAndChownNew inside the root filesystem: the missing directories of `scoped`
 * (symlinks of the image followed inside it) are created 0755 and given `owner`; existing ones
 * are left alone. Returns the resolved scoped path and whether it existed.
 */
async function mkdirAll(tree: ScopedTree, scoped: string, owner: Identity): Promise<{ scoped: string; existed: boolean }> {
  const r = await secureJoin(tree, scoped);
  let p = '';
  for (const c of r.scoped.split('/').filter(Boolean)) {
    p += `/${c}`;
    const host = tree.hostPath(p);
    const st = await lstatOrUndefined(host);
    if (st?.isDirectory()) continue;
    if (st) throw invalidArgument(`mkdir ${p}: not a directory`);
    await fs.mkdir(host);
    await fs.chmod(host, 0o755);
    await fs.lchown(host, owner.uid, owner.gid);
  }
  return { scoped: r.scoped, existed: r.exists };
}

/** A one-entry tar of a file or inline content, named `name` (CopyFileWithTar's header: mode kept, mtime in whole seconds). */
async function singleFileTar(src: CopySource, name: string): Promise<Readable> {
  const pack = tarStream.pack();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  pack.pipe(out);
  if (src.data) {
    pack.entry({ name, mode: 0o644, mtime: new Date(Math.floor(Date.now() / 1000) * 1000), size: src.data.length }, src.data);
  } else {
    const st = await fs.stat(src.hostPath!);
    const mode = src.noDecompress ? 0o600 : st.mode & 0o7777;
    const entry = pack.entry({ name, mode, uid: st.uid, gid: st.gid, mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000), size: st.size });
    Readable.from(createReadStream(src.hostPath!)).pipe(entry);
  }
  pack.finalize();
  return out;
}

/** A file copied to a path that does not exist yet, as CopyFileWithTar would write it. */
async function copyFileFresh(src: CopySource, host: string, owner: Identity | undefined): Promise<void> {
  const st = await fs.stat(src.hostPath!);
  await fs.copyFile(src.hostPath!, host, constants.COPYFILE_EXCL);
  const o = owner ?? { uid: st.uid, gid: st.gid };
  await fs.chown(host, o.uid, o.gid);
  // After chown, which clears setuid/setgid.
  await fs.chmod(host, src.noDecompress ? 0o600 : st.mode & 0o7777);
  const mtime = Math.floor(st.mtimeMs / 1000);
  await fs.utimes(host, mtime, mtime);
}

/** Applies `--chmod` to what a copy wrote (symlinks have no mode of their own). */
async function chmodTree(tree: ScopedTree, dest: string, rels: string[], mode: number): Promise<void> {
  for (const rel of rels) {
    const host = tree.hostPath(rel === '' ? dest : path.posix.join(dest, rel));
    const st = await lstatOrUndefined(host);
    if (st && !st.isSymbolicLink()) await fs.chmod(host, mode);
  }
}

/** Relative paths of a directory's entries (depth first), '' for the directory itself. */
async function relativeEntries(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      out.push(child);
      if (e.isDirectory()) await walk(child);
    }
  };
  await walk('');
  return out;
}

/**
 * Copies one source into the root filesystem with dockerd's rules (builder/dockerfile/copy.go
 * performCopyForInfo): a directory's *contents* go into the destination directory (created
 * 0755, given the owner only when new); ADD unpacks a local tar archive into the destination,
 * keeping the archive's owners; a file goes to the destination path, or into it when the
 * destination ends in `/` or is an existing directory (named after the source), its missing
 * parents created 0755 and given the owner. Everything is written through tar extraction
 * resolved inside the root filesystem (a symlink in the image never leads out of it).
 */
export async function copySource(t: CopyTarget, src: CopySource): Promise<void> {
  const tree = plainTree(t.root);
  const owner = t.owner ?? ROOT;
  if (src.isDir) {
    const d = await mkdirAll(tree, cleanScoped(t.dest), ROOT);
    // Docker's fixPermissions chowns the destination directory itself only when it created it.
    if (!d.existed && t.owner) await fs.lchown(tree.hostPath(d.scoped), t.owner.uid, t.owner.gid);
    // A destination this step created holds nothing to resolve: copied directly; otherwise
    // through tar extraction, which resolves every entry inside the root filesystem.
    if (d.existed || !(await copyTreeFresh(src.hostPath!, tree.hostPath(d.scoped), t.owner))) {
      const tar = new PassThrough({ highWaterMark: 1 << 20 });
      await Promise.all([tarDirectory(src.hostPath!, tar), extractArchive(tar, tree, d.scoped, t.owner ? { chown: t.owner } : {})]);
    }
    if (t.mode !== undefined) await chmodTree(tree, d.scoped, await relativeEntries(src.hostPath!), t.mode);
    return;
  }
  if (t.decompress && src.hostPath && !src.noDecompress) {
    const archive = await openLocalArchive(src.hostPath);
    if (archive) {
      const d = await mkdirAll(tree, cleanScoped(t.dest), ROOT);
      await extractArchive(archive, tree, d.scoped);
      return;
    }
  }
  let dest = cleanScoped(t.dest);
  const existing = await secureJoin(tree, dest);
  const existingIsDir = existing.exists && (await fs.stat(existing.host)).isDirectory();
  if (t.dest.endsWith('/') || existingIsDir) dest = path.posix.join(dest, path.posix.basename(src.name));
  const parent = await mkdirAll(tree, path.posix.dirname(dest), owner);
  const name = path.posix.basename(dest);
  const host = path.join(tree.hostPath(parent.scoped), name);
  // The parent is resolved and the name is new: nothing to replace or resolve, copied directly.
  if (src.hostPath && !(await lstatOrUndefined(host))) await copyFileFresh(src, host, t.owner);
  else await extractArchive(await singleFileTar(src, name), tree, parent.scoped, t.owner ? { chown: t.owner } : {});
  if (t.mode !== undefined) await chmodTree(tree, parent.scoped, [name], t.mode);
}
