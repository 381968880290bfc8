/**
 * `docker build -` (docker/cli GetContextFromReader): stdin is either a context archive (tar,
 * possibly compressed), sent as it is, or a bare Dockerfile, wrapped into a one-file context.
 */
import { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { tarBuffer } from '../../lib/tar/tar-writer.js';
import type { PackedContext } from './pack-context.js';

const HEADER_SIZE = 512;

const MAGICS: number[][] = [
  [0x1f, 0x8b, 0x08], // gzip
  [0x42, 0x5a, 0x68], // bzip2
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
];

/**
 * Docker's IsArchive: compressed data, or a first block that parses as a tar header (its
 * checksum matches). An all-zero block is not an archive.
 */
export function isArchive(head: Uint8Array): boolean {
  if (MAGICS.some((m) => m.every((b, i) => head[i] === b))) return true;
  if (head.length < HEADER_SIZE) return false;
  const stored = Buffer.from(head.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < HEADER_SIZE; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : head[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const want = Number.parseInt(stored, 8);
  // Go's archive/tar accepts either the unsigned or the (historic) signed sum.
  return want === unsigned || want === signed;
}

/**
 * Reads the head of `input` and returns the context to send: the archive itself, or a tar with
 * `Dockerfile` (mode 0644, owner 0:0) holding the input. `dockerfile` is the `-f` value; with
 * `-f -` the context cannot also come from stdin (`build context is not an archive`).
 */
export async function contextFromReader(input: Readable, dockerfile?: string): Promise<PackedContext> {
  const it = input[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < HEADER_SIZE) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as string);
    chunks.push(b);
    len += b.length;
  }
  const head = Buffer.concat(chunks);
  if (isArchive(head)) {
    async function* whole(): AsyncGenerator<Buffer> {
      yield head;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as string);
      }
    }
    return { tar: Readable.from(whole(), { objectMode: false }), dockerfile: dockerfile ?? 'Dockerfile' };
  }
  if (dockerfile === '-') throw invalidArgument('build context is not an archive');
  const rest: Buffer[] = [head];
  if (!done) {
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      rest.push(Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as string));
    }
  }
  const tar = await tarBuffer([
    { header: { name: 'Dockerfile', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: Math.floor(Date.now() / 1000) }, data: Buffer.concat(rest) },
  ]);
  return { tar: Readable.from([tar]), dockerfile: 'Dockerfile' };
}
