import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { internal } from '../../errdefs/index.js';
import type { Digest } from '../digest.js';
import { encodePaxRecords, paxXattrKey } from './pax.js';
import type { TarEntryType } from './tar-reader.js';

/** What the writer needs to know about one entry. */
export interface TarWriteHeader {
  /** Clean relative name; directories get their trailing "/" added here. */
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Body length (regular files only). */
  size?: number;
  /** Seconds since the epoch (truncated to whole seconds, as Docker does for reproducibility). */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

const TYPEFLAG: Record<TarEntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

const ZERO_BLOCK = Buffer.alloc(512);
const USTAR = Buffer.from('ustar\u000000', 'latin1');

/** Linux's `major()`/`minor()` of a dev_t (glibc's gnu_dev_major/minor), for device entries. */
export function devNumbers(rdev: bigint): { devmajor: number; devminor: number } {
  return { devmajor: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)), devminor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)) };
}

/** How much of a file body is read at once. */
const READ_CHUNK = 1 << 20;

/**
 * A streaming tar writer (POSIX pax format, like Go's archive/tar that Docker uses), hashing
 * what it writes so a diff's diffID comes out of the same pass.
 *
 * Hand-written rather than tar-stream's `pack`: pack encodes PAX values as UTF-8 strings, which
 * cannot carry binary xattr values such as `security.capability`, and it cannot attach a
 * caller-built PAX header to an entry.
 */
export class TarWriter {
  private readonly hash = createHash('sha256');
  private written = 0;

  constructor(private readonly out: Writable) {}

  /** Bytes written so far. */
  get size(): number {
    return this.written;
  }

  /** sha256 of everything written (call after finish). */
  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`;
  }

  private async write(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    this.hash.update(buf);
    this.written += buf.length;
    if (this.out.destroyed) throw internal('tar output closed before the archive was complete');
    if (!this.out.write(buf)) await drained(this.out);
  }

  /** Writes an entry's header (with a PAX header first when needed) — then the caller writes the body. */
  async header(h: TarWriteHeader): Promise<void> {
    const name = h.type === 'directory' ? `${h.name}/` : h.name;
    const pax: [string, Buffer | string][] = [];
    const split = splitName(name);
    if (!split) pax.push(['path', name]);
    const linkname = h.linkname ?? '';
    const linkFits = Buffer.byteLength(linkname) <= 100 && isAscii(linkname);
    if (!linkFits) pax.push(['linkpath', linkname]);
    for (const [k, v] of [...(h.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) pax.push([paxXattrKey(k), v]);
    if (pax.length > 0) {
      const body = encodePaxRecords(pax);
      await this.write(encodeHeader({ name: paxName(name), type: 'x', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 0 }));
      await this.write(body);
      await this.write(padding(body.length));
    }
    const [prefix, base] = split ?? ['', placeholder(name)];
    await this.write(
      encodeHeader({
        name: base,
        prefix,
        type: TYPEFLAG[h.type],
        mode: h.mode & 0o7777,
        uid: h.uid,
        gid: h.gid,
        size: h.type === 'file' ? (h.size ?? 0) : 0,
        mtime: Math.floor(h.mtime),
        linkname: linkFits ? linkname : placeholder(linkname),
        devmajor: h.devmajor ?? 0,
        devminor: h.devminor ?? 0,
      }),
    );
  }

  /** Writes body bytes of the current entry. */
  async body(buf: Buffer): Promise<void> {
    await this.write(buf);
  }

  /** Pads the current entry's body (of `size` bytes) to a block boundary. */
  async endBody(size: number): Promise<void> {
    await this.write(padding(size));
  }

  /** A whole entry with an in-memory body. */
  async entry(h: TarWriteHeader, data: Buffer = Buffer.alloc(0)): Promise<void> {
    await this.header({ ...h, size: data.length });
    await this.body(data);
    await this.endBody(data.length);
  }

  /**
   * A regular file's entry whose body is read from `fh`: exactly `size` bytes, the size the
   * header promised (the caller's lstat), zero-padded if the file shrank meanwhile so the archive
   * stays well-formed; growth after lstat is not read. The three tree packers (layer diffs, the
   * build context, bootstrap trees) share it.
   */
  async fileEntry(h: TarWriteHeader & { size: number }, fh: FileHandle): Promise<void> {
    const size = h.size;
    await this.header({ ...h, type: 'file' });
    let pos = 0;
    while (pos < size) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - pos));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) {
        await this.body(Buffer.alloc(size - pos));
        break;
      }
      await this.body(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    await this.endBody(size);
  }

  /** Writes the end-of-archive marker (two zero blocks). Does not end the output stream. */
  async finish(): Promise<void> {
    await this.write(Buffer.concat([ZERO_BLOCK, ZERO_BLOCK]));
  }
}

/** An in-memory tar of `entries` (test fixtures, small generated layers). */
export async function tarBuffer(entries: { header: TarWriteHeader; data?: Buffer | string }[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const tar = new TarWriter(sink);
  for (const e of entries) await tar.entry(e.header, e.data === undefined ? undefined : Buffer.from(e.data));
  await tar.finish();
  return Buffer.concat(chunks);
}

/** Waits for 'drain', failing if the stream errors or closes first (a reader that went away). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown) => {
      out.off('drain', onDrain);
      out.off('error', done);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(internal('tar output closed before the archive was complete'));
    out.on('drain', onDrain);
    out.on('error', done);
    out.on('close', onClose);
  });
}

function padding(size: number): Buffer {
  const rem = size % 512;
  return rem === 0 ? Buffer.alloc(0) : ZERO_BLOCK.subarray(0, 512 - rem);
}

function isAscii(s: string): boolean {
  return /^[\x01-\x7f]*$/.test(s);
}

/** Splits an ASCII name into ustar prefix (≤155) and name (≤100) fields, or undefined if it cannot fit. */
function splitName(name: string): [string, string] | undefined {
  if (!isAscii(name)) return undefined;
  if (name.length <= 100) return ['', name];
  // The split must happen at a "/" so that prefix + "/" + name is the full path.
  for (let i = name.length - 101; i < name.length; i++) {
    if (i > 0 && name[i] === '/' && i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
      return [name.slice(0, i), name.slice(i + 1)];
    }
  }
  return undefined;
}

/** An ASCII stand-in of at most 100 bytes for a field whose real value is in the PAX header. */
function placeholder(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '_').slice(-100);
}

function paxName(name: string): string {
  const base = name.replace(/\/$/, '').split('/').pop() ?? '';
  return `PaxHeaders.0/${placeholder(base)}`.slice(0, 100);
}

interface RawHeaderFields {
  name: string;
  prefix?: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** Encodes a numeric field: octal when it fits, else base-256 (GNU/Go/tar-stream all read it). */
function writeNumber(buf: Buffer, off: number, width: number, value: number): void {
  const oct = Math.max(0, Math.floor(value)).toString(8);
  if (oct.length < width) {
    buf.write(`${oct.padStart(width - 1, '0')}\0`, off, 'latin1');
    return;
  }
  let v = BigInt(Math.floor(value));
  for (let i = width - 1; i > 0; i--) {
    buf[off + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  buf[off] = 0x80;
}

function encodeHeader(f: RawHeaderFields): Buffer {
  const b = Buffer.alloc(512);
  b.write(f.name, 0, 100, 'utf8');
  writeNumber(b, 100, 8, f.mode);
  writeNumber(b, 108, 8, f.uid);
  writeNumber(b, 116, 8, f.gid);
  writeNumber(b, 124, 12, f.size);
  writeNumber(b, 136, 12, f.mtime);
  b.write(f.type, 156, 1, 'latin1');
  b.write(f.linkname ?? '', 157, 100, 'utf8');
  USTAR.copy(b, 257);
  writeNumber(b, 329, 8, f.devmajor ?? 0);
  writeNumber(b, 337, 8, f.devminor ?? 0);
  b.write(f.prefix ?? '', 345, 155, 'utf8');
  // The checksum is computed with its own field read as eight spaces.
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}
