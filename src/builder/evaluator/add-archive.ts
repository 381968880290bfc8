import { spawn } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { decompressed } from '../../lib/tar/decompress.js';

/** Compressions ADD unpacks (moby archive.DetectCompression): gzip and zstd in process, bzip2 and xz through their programs. */
const PROGRAMS: Array<{ magic: number[]; argv: string[] }> = [
  { magic: [0x42, 0x5a, 0x68], argv: ['bzip2', '-dc'] },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], argv: ['xz', '-dc'] },
];

/** The decompressed bytes of a local file (as ADD sees an archive). */
async function openDecompressed(file: string): Promise<Readable> {
  const fh = await fs.open(file, 'r');
  const head = Buffer.alloc(6);
  await fh.read(head, 0, 6, 0);
  await fh.close();
  const prog = PROGRAMS.find((p) => p.magic.every((b, i) => head[i] === b));
  if (!prog) return (await decompressed(createReadStream(file))).stream;
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const child = spawn(prog.argv[0]!, prog.argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
  const input = createReadStream(file);
  input.pipe(child.stdin);
  // The consumer may stop early (the archive test reads one block): a closed pipe is expected.
  child.stdin.on('error', () => input.destroy());
  child.stdout.pipe(out);
  child.on('error', (err) => out.destroy(invalidArgument(`cannot decompress ${file}: ${err.message}`)));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) out.destroy(invalidArgument(`cannot decompress ${file}: ${prog.argv[0]} exited with ${code}`));
  });
  out.on('close', () => child.kill());
  return out;
}

/** True when `block` is a tar header whose checksum is right (what Go's tar.Reader.Next accepts first). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === Number.parseInt(field, 8);
}

/** Reads the first `n` bytes of a stream (fewer at its end), then stops it. */
async function head(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let len = 0;
  try {
    for await (const c of stream) {
      chunks.push(c as Buffer);
      len += (c as Buffer).length;
      if (len >= n) break;
    }
  } catch {
    // A corrupt stream is simply not an archive.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/**
 * ADD's local-archive test (moby archive.IsArchivePath): the file, decompressed if it is gzip,
 * bzip2, xz or zstd, starts with a valid tar header. Returns a stream of the plain tar when it
 * does, undefined otherwise (the file is then copied as it is).
 */
export async function openLocalArchive(file: string): Promise<Readable | undefined> {
  if (!isTarHeader(await head(await openDecompressed(file), 512))) return undefined;
  return openDecompressed(file);
}
