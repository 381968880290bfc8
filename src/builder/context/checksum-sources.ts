/**
 * Cache checksums of COPY / ADD sources: what Docker's classic builder counts in its per-file
 * tarsum headers (name, type, mode, owner, size, link target, content) — never mtimes — with
 * the owner and mode the files will have in the image (`--chown`, `--chmod`).
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import type { Digest } from '../../lib/digest.js';
import { type ResolvedSource, resolveSources, type SourceOptions } from './resolve-sources.js';

/** Options of {@link checksumSources}. */
export interface ChecksumOptions extends SourceOptions {
  /** Owner the copied files get (`--chown`, resolved to numbers by the evaluator); default 0:0, as Docker copies. */
  chown?: { uid: number; gid: number };
  /** `--chmod` as a number: replaces the permission bits of every copied file and directory. */
  chmod?: number;
}

/** The checksum of a COPY/ADD's sources. */
export interface SourcesChecksum {
  /** sha256 over all sources, in order. Equal digests mean the copy would produce the same files. */
  digest: Digest;
  /**
   * Docker's short form used in the history's created_by: `file:<hex>` for one file, `dir:<hex>`
   * for one directory, `multi:<hex>` for several sources.
   */
  summary: string;
  /** What the sources resolved to (for the copy itself), each with its own `file:`/`dir:` hash. */
  sources: (ResolvedSource & { hash: string })[];
}

/**
 * Resolves `patterns` in `contextDir` (see resolveSources for the rules and errors) and checksums
 * them. Directory trees are walked without following symlinks; symlinks count by their target
 * text, hardlinked files by content.
 */
export async function checksumSources(contextDir: string, patterns: readonly string[], opts: ChecksumOptions = {}): Promise<SourcesChecksum> {
  const sources = await resolveSources(contextDir, patterns, opts);
  const parts: string[] = [];
  for (const src of sources) parts.push(await checksumOne(src, opts));
  const hashed = sources.map((s, i) => ({ ...s, hash: parts[i] }));
  const all = createHash('sha256');
  for (const p of parts) all.update(`${p}\n`);
  const hex = all.digest('hex');
  const summary = parts.length === 1 ? parts[0] : `multi:${createHash('sha256').update(parts.join(',')).digest('hex')}`;
  return { digest: `sha256:${hex}`, summary, sources: hashed };
}

/** `file:<hex>` or `dir:<hex>` for one resolved source. */
async function checksumOne(src: ResolvedSource, opts: ChecksumOptions): Promise<string> {
  const st = await fs.stat(src.hostPath);
  const h = createHash('sha256');
  if (!st.isDirectory()) {
    h.update(await entryRecord(src.path, src.hostPath, st, opts));
    return `file:${h.digest('hex')}`;
  }
  h.update(await entryRecord(src.path, src.hostPath, st, opts));
  await walkTree(src.hostPath, src.path, async (name, host, lst) => {
    h.update(await entryRecord(name, host, lst, opts));
  });
  return `dir:${h.digest('hex')}`;
}

/** Depth first, names sorted bytewise; symlinks are not followed. */
async function walkTree(host: string, name: string, visit: (name: string, host: string, st: Stats) => Promise<void>): Promise<void> {
  const names = await fs.readdir(host);
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const n of names) {
    const childHost = `${host}/${n}`;
    const childName = name === '.' ? n : `${name}/${n}`;
    const st = await fs.lstat(childHost);
    await visit(childName, childHost, st);
    if (st.isDirectory()) await walkTree(childHost, childName, visit);
  }
}

function typeOf(st: Stats): string {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return `char:${st.rdev}`;
  if (st.isBlockDevice()) return `block:${st.rdev}`;
  return 'other';
}

/** One NUL-separated record per entry; file content enters as its sha256. */
async function entryRecord(name: string, host: string, st: Stats, opts: ChecksumOptions): Promise<string> {
  const perm = opts.chmod ?? st.mode & 0o7777;
  const uid = opts.chown?.uid ?? 0;
  const gid = opts.chown?.gid ?? 0;
  let extra = '';
  if (st.isSymbolicLink()) extra = await fs.readlink(host);
  else if (st.isFile()) extra = await fileSha256(host);
  return `${name}\0${typeOf(st)}\0${perm.toString(8)}\0${uid}:${gid}\0${st.isFile() ? st.size : 0}\0${extra}\n`;
}

async function fileSha256(host: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(host)) h.update(chunk as Buffer);
  return h.digest('hex');
}
