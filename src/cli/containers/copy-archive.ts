/**
 * The tar side of `docker cp` on the client: archiving a local path (TarResourceRebase),
 * renaming the top-level entry of an archive (RebaseArchiveEntries) and extracting into a local
 * directory (Untar with NoLchown and NoOverwriteDirNonDir).
 */
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import { extractArchive } from '../../lib/tar/extract-archive.js';
import { plainTree } from '../../lib/tar/secure-join.js';
import { tarDirectory } from '../../lib/tar/write-diff.js';
import { type CopyInfo, splitPathDirEntry } from './copy-paths.js';

/** A tar of the local path, its top-level entry named `rebaseName` or its own base name. */
export function tarResource(src: CopyInfo): Readable {
  const [dir, base] = splitPathDirEntry(src.path);
  const out = new PassThrough();
  tarDirectory(base === '.' ? dir : path.join(dir, base), out, { rootName: src.rebaseName || base }).catch((e: unknown) => out.destroy(e as Error));
  return out;
}

/** Renames the leading `oldBase` of every entry (and hardlink target) to `newBase`. */
export function rebaseArchive(source: Readable, oldBase: string, newBase: string): Readable {
  const from = oldBase === '/' ? '' : oldBase;
  const rename = (name: string) => (name.startsWith(from) ? newBase + name.slice(from.length) : name);
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    const h = { ...header, name: rename(header.name) };
    if (h.type === 'link' && h.linkname) h.linkname = rename(h.linkname);
    const sink = pack.entry(h, (err) => next(err ?? undefined));
    stream.pipe(sink);
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (e) => pack.destroy(e));
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract);
  // tar-stream's streams are streamx streams; callers (the HTTP client) want a Node stream.
  const out = new PassThrough();
  pack.on('error', (e) => out.destroy(e));
  pack.pipe(out);
  return out;
}

/** Extracts a tar into the local directory `dir`; files are owned by us, as with docker's NoLchown. */
export async function untarInto(source: Readable, dir: string): Promise<void> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  await extractArchive(source, plainTree(dir), '/', { noOverwriteDirNonDir: true, chown: { uid, gid } });
}

/** Streams a readable into a writable without ending it (our stdout), honouring backpressure. */
export async function copyTo(source: Readable, out: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of source) {
    if (!out.write(chunk as Buffer)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
}
