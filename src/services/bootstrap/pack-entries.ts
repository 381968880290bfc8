import { Writable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { TarWriter, type TarWriteHeader } from '../../lib/tar/tar-writer.js';

/** One member of a root filesystem assembled in memory (owned by root, uid/gid 0). */
export type RootfsEntry =
  | { type: 'directory'; path: string; mode: number }
  | { type: 'file'; path: string; mode: number; data: Buffer }
  | { type: 'symlink'; path: string; target: string };

/** Byte-wise path order: the same on every machine and locale, and parents sort before children. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/**
 * Checks that every path is clean and relative, unique, and that its parent directory is itself
 * an entry — a layer with implied parents would get whatever mode the unpacker picks.
 */
function validate(sorted: readonly RootfsEntry[]): void {
  const dirs = new Set<string>(['']);
  const seen = new Set<string>();
  for (const e of sorted) {
    if (e.path === '' || e.path.startsWith('/') || e.path.endsWith('/') || e.path.split('/').some((c) => c === '' || c === '.' || c === '..')) {
      throw invalidArgument(`rootfs entry "${e.path}" is not a clean relative path`);
    }
    if (seen.has(e.path)) throw invalidArgument(`rootfs entry "${e.path}" appears twice`);
    seen.add(e.path);
    if (!dirs.has(parentOf(e.path))) throw invalidArgument(`rootfs entry "${e.path}" has no parent directory entry`);
    if (e.type === 'directory') dirs.add(e.path);
  }
}

/** A Writable that keeps everything written to it. */
function collector(): { sink: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

/**
 * Packs entries into an uncompressed tar, deterministically: entries sorted by path, owner
 * root:root (uid/gid 0, so no root privileges are needed to build it), one fixed mtime. The same
 * entries and mtime always give the same bytes, hence the same diffID and image ID.
 */
export async function packEntries(entries: readonly RootfsEntry[], mtime: Date): Promise<Buffer> {
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  validate(sorted);
  const { sink, bytes } = collector();
  const tar = new TarWriter(sink);
  const base = { uid: 0, gid: 0, mtime: Math.floor(mtime.getTime() / 1000) };
  for (const e of sorted) {
    const h: TarWriteHeader =
      e.type === 'directory'
        ? { ...base, name: e.path, type: 'directory', mode: e.mode }
        : e.type === 'symlink'
          ? { ...base, name: e.path, type: 'symlink', linkname: e.target, mode: 0o777 }
          : { ...base, name: e.path, type: 'file', mode: e.mode };
    await tar.entry(h, e.type === 'file' ? e.data : undefined);
  }
  await tar.finish();
  return bytes();
}
