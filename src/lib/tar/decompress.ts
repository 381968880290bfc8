import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { invalidArgument } from '../../errdefs/index.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Which compression a stream's first bytes announce. */
export function detectCompression(head: Uint8Array): Compression {
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) return 'gzip';
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

/**
 * Reads at least `n` bytes (or all, if shorter) from the start of `src` and returns them with a
 * stream of the whole content, those bytes included. (Readable.unshift was not reliable here
 * for object-mode sources such as Readable.from([buffer]).)
 */
async function peek(src: Readable, n: number): Promise<{ head: Buffer; whole: Readable }> {
  const it = src[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    chunks.push(b);
    len += b.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
      while (!ended) {
        const r = await it.next();
        if (r.done) ended = true;
        else yield typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
      }
    } finally {
      // Stopped early (consumer gone or failed): returning the iterator destroys the source.
      if (!ended) await it.return?.();
    }
  }
  return { head: Buffer.concat(chunks).subarray(0, n), whole: Readable.from(all(), { objectMode: false }) };
}

/**
 * The uncompressed byte stream of a layer: gzip (magic 1f 8b) is inflated with node:zlib, zstd
 * (magic 28 b5 2f fd; node:zlib on Node 20 has no zstd) by the `zstd` program, anything else is
 * passed through as a plain tar. Errors of the source or the decompressor surface on the
 * returned stream (zlib's with Z_* codes, zstd's as InvalidArgument).
 */
export async function decompressed(source: Readable): Promise<{ stream: Readable; compression: Compression }> {
  const { head, whole } = await peek(source, 4);
  source = whole;
  const compression = detectCompression(head);
  if (compression === 'none') return { stream: source, compression };
  if (compression === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    // zlib errors carry Z_* codes; applyLayer reports them as a corrupt layer.
    source.on('error', (err) => gunzip.destroy(err));
    gunzip.on('close', () => source.destroy());
    return { stream: source.pipe(gunzip), compression };
  }
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const fail = (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    out.destroy(invalidArgument(`invalid ${compression} layer data: ${msg}`, { cause: err }));
  };
  const child = spawn('zstd', ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  child.on('error', fail);
  // If the consumer gives up early, stop the decompressor too.
  out.on('close', () => child.exitCode === null && child.kill());
  pipeline(source, child.stdin).catch(fail);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  pipeline(child.stdout, out, { end: false })
    .then(async () => {
      const code = await exited;
      if (code === 0) out.end();
      else fail(new Error(stderr.trim() || `zstd exited with ${code}`));
    })
    .catch(fail);
  return { stream: out, compression };
}
