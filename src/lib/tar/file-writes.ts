import type { promises as fs } from 'node:fs';
import type { TarEntryHeader } from './tar-reader.js';

/** Bytes gathered before one write(2) of a large file. */
const WRITE_BATCH = 1 << 20;

/** Which metadata calls a new file needs beyond its times (decided when it is queued). */
export interface FileMeta {
  chown: boolean;
  chmod: boolean;
}

/** Owner, mode (after chown, which clears setuid/setgid), then times of a new file. */
export async function fileMeta(fh: fs.FileHandle, hdr: TarEntryHeader, meta: FileMeta): Promise<void> {
  if (meta.chown) await fh.chown(hdr.uid, hdr.gid);
  if (meta.chmod) await fh.chmod(hdr.mode);
  await fh.utimes(hdr.atime, hdr.mtime);
}

/** Streams a large entry body into `fh` in ~1 MiB writes. */
export async function streamInto(fh: fs.FileHandle, body: AsyncIterable<unknown>): Promise<void> {
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
export async function writeAll(fh: fs.FileHandle, bufs: Buffer[], len: number): Promise<void> {
  let { bytesWritten } = await fh.writev(bufs);
  if (bytesWritten === len) return;
  const rest = Buffer.concat(bufs).subarray(bytesWritten);
  let off = 0;
  while (off < rest.length) {
    ({ bytesWritten } = await fh.write(rest, off));
    off += bytesWritten;
  }
}
