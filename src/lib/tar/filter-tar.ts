import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode, invalidArgument, isWharfError, toWharfError } from '../../errdefs/index.js';
import { createTarExtract, drain, normalizeHeader } from './tar-reader.js';
import { TarWriter } from './tar-writer.js';

/**
 * A copy of the tar `source` without the entries whose name `keep` refuses (the name as written,
 * without a trailing `/`). Kept entries are re-encoded by {@link TarWriter} with every header field
 * a layer carries (owner, mode, whole-second mtime, link target, device numbers, xattrs), so an
 * archive that TarWriter wrote comes out byte-identical apart from the dropped entries.
 * Errors end the returned stream with an InvalidArgument (corrupt input) or the cause.
 */
export function filterTar(source: Readable, keep: (name: string) => boolean): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  void copyFiltered(source, out, keep).catch((err: unknown) => {
    source.destroy();
    out.destroy(isWharfError(err) ? err : err instanceof Error && !('code' in err) ? invalidArgument(`invalid tar: ${err.message}`) : toWharfError(err));
  });
  return out;
}

async function copyFiltered(source: Readable, out: PassThrough, keep: (name: string) => boolean): Promise<void> {
  const extract = createTarExtract();
  const feed = pipeline(source, extract as unknown as NodeJS.WritableStream);
  feed.catch(() => {});
  const tar = new TarWriter(out);
  try {
    for await (const entry of extract) {
      const h = normalizeHeader(entry.header);
      if (!h) throw invalidArgument(`unsupported tar entry type ${entry.header.type} for ${JSON.stringify(entry.header.name)}`);
      const name = h.name.replace(/\/+$/, '');
      if (!keep(name)) {
        await drain(entry);
        continue;
      }
      const { xattrs, linkname, devmajor, devminor } = h;
      await tar.header({ name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, size: h.size, mtime: h.mtime, linkname, devmajor, devminor, xattrs });
      let n = 0;
      for await (const c of entry) {
        n += (c as Buffer).length;
        await tar.body(c as Buffer);
      }
      if (h.type === 'file') await tar.endBody(n);
    }
    await feed;
  } catch (err) {
    // A broken input only shows here as the extractor being destroyed: report the input's error.
    const feedErr = await feed.then(
      () => undefined,
      (e: unknown) => e,
    );
    throw feedErr !== undefined && errnoCode(feedErr) !== 'ERR_STREAM_PREMATURE_CLOSE' && !isWharfError(err) ? feedErr : err;
  }
  await tar.finish();
  out.end();
}
