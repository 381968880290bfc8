/**
 * The path rules of `docker cp` (moby pkg/archive copy.go): what the source and destination are,
 * where the archive is extracted, and which top-level name it must carry so that `cp a b`
 * behaves like `cp -r` (a file onto a file replaces it, into a directory keeps its name, a
 * directory onto a missing path takes the new name, `dir/.` copies the contents).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { goOpenError } from '../run/kv-files.js';

/** What is known of one side of a copy. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the top-level entry must get when a symlink was followed. */
  rebaseName?: string;
}

export const ERR_NOT_DIRECTORY = 'not a directory';
export const ERR_DIR_NOT_EXISTS = 'no such directory';
export const ERR_CANNOT_COPY_DIR = 'cannot copy directory';

export const hasTrailingSep = (p: string) => p.endsWith('/');
export const specifiesCurrentDir = (p: string) => path.posix.basename(p) === '.' || p === '.' || p.endsWith('/.');
export const assertsDirectory = (p: string) => hasTrailingSep(p) || specifiesCurrentDir(p);

/** splitCpArg: `ctr:path` (a local path with a colon must start with `/` or `.`). */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/')) return { container: '', path: arg };
  const colon = arg.indexOf(':');
  if (colon < 0 || arg.startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** resolveLocalPath: absolute, keeping a trailing `/` or `/.` (PreserveTrailingDotOrSeparator). */
export function resolveLocalPath(p: string): string {
  let abs = path.resolve(p);
  if (specifiesCurrentDir(p) && !specifiesCurrentDir(abs)) abs += '/.';
  else if (hasTrailingSep(p) && !hasTrailingSep(abs)) abs += '/';
  return abs;
}

/** SplitPathDirEntry: directory and base name, a trailing `.` kept as the base. */
export function splitPathDirEntry(p: string): [string, string] {
  let cleaned = path.posix.normalize(p);
  if (cleaned.length > 1) cleaned = cleaned.replace(/\/+$/, '');
  if (specifiesCurrentDir(p) && !cleaned.endsWith('/.')) cleaned = `${cleaned === '/' ? '' : cleaned}/.`;
  return [path.posix.dirname(cleaned), path.posix.basename(cleaned) || '/'];
}

/** GetRebaseName: the followed path with the requested trailing forms, and the name to keep. */
export function getRebaseName(p: string, resolved: string): [string, string | undefined] {
  let r = resolved;
  if (specifiesCurrentDir(p) && !specifiesCurrentDir(r)) r += '/.';
  if (hasTrailingSep(p) && !hasTrailingSep(r)) r += '/';
  const base = (x: string) => path.posix.basename(x.replace(/\/+$/, '')) || '/';
  return [r, base(p) !== base(r) ? base(p) : undefined];
}

/** A Node fs error as Go words it (`lstat /x: no such file or directory`). */
function goFsError(op: string, file: string, e: unknown): Error {
  return new Error(goOpenError(file, e).message.replace(/^open /, `${op} `));
}

/** filepath.EvalSymlinks on the host. */
async function evalSymlinks(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (e) {
    // Go reports the first missing component; realpath only says the whole path is missing.
    let probe = p.replace(/\/+$/, '') || '/';
    for (;;) {
      const parent = path.dirname(probe);
      if (parent === probe || (await fs.lstat(parent).then(() => true, () => false))) break;
      probe = parent;
    }
    throw goFsError('lstat', probe, e);
  }
}

/** CopyInfoSourcePath: the local source of a copy into a container. */
export async function copyInfoSourcePath(p: string, followLink: boolean): Promise<CopyInfo> {
  let resolved: string;
  let rebaseName: string | undefined;
  if (followLink) {
    [resolved, rebaseName] = getRebaseName(p, await evalSymlinks(p));
  } else {
    const slash = p.lastIndexOf('/');
    const dir = p.slice(0, slash + 1) || '.';
    const base = p.slice(slash + 1);
    const resolvedDir = await evalSymlinks(dir);
    resolved = `${resolvedDir}/${base}`;
    if (hasTrailingSep(p) && path.posix.basename(p) !== path.posix.basename(resolved)) rebaseName = path.posix.basename(p);
  }
  let st: Awaited<ReturnType<typeof fs.lstat>>;
  try {
    st = await fs.lstat(resolved);
  } catch (e) {
    throw goFsError('lstat', resolved, e);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

/** CopyInfoDestinationPath: the local destination of a copy out of a container (symlinks followed). */
export async function copyInfoDestinationPath(p: string): Promise<CopyInfo> {
  const original = p;
  let cur = p;
  let st = await fs.lstat(cur).catch((e: NodeJS.ErrnoException) => e);
  for (let n = 0; !(st instanceof Error) && st.isSymbolicLink(); n++) {
    if (n > 10) throw new Error(`too many symlinks in ${original}`);
    let target = await fs.readlink(cur);
    if (!target.startsWith('/')) target = path.join(splitPathDirEntry(cur)[0], target);
    cur = target;
    st = await fs.lstat(cur).catch((e: NodeJS.ErrnoException) => e);
  }
  if (!(st instanceof Error)) return { path: cur, exists: true, isDir: st.isDirectory() };
  if (st.code !== 'ENOENT') throw goFsError('lstat', cur, st);
  const parent = splitPathDirEntry(cur)[0];
  let pst: Awaited<ReturnType<typeof fs.stat>>;
  try {
    pst = await fs.stat(parent);
  } catch (e) {
    throw goFsError('stat', parent, e);
  }
  if (!pst.isDirectory()) throw new Error(ERR_NOT_DIRECTORY);
  return { path: cur, exists: false, isDir: false };
}

/**
 * PrepareArchiveCopy's decision: the directory to extract into and, when the top-level entry
 * must be renamed, `[from, to]`. Throws docker's errors for impossible copies.
 */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): { dstDir: string; rename?: [string, string] } {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName || splitPathDirEntry(src.path)[1];
  if (dst.exists && dst.isDir) return { dstDir: dst.path };
  if (dst.exists && src.isDir) throw new Error(ERR_CANNOT_COPY_DIR);
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new Error(ERR_DIR_NOT_EXISTS);
  return { dstDir, rename: [srcBase, dstBase] };
}
