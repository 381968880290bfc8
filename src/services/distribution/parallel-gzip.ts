/**
 * gzip compression on every core, for push: the input is cut into fixed-size blocks, each block
 * becomes one gzip member compressed in libuv's thread pool (node:zlib's async API), and members
 * are emitted in input order. Concatenated members are one valid gzip stream (RFC 1952 §2.2;
 * Go's gzip.Reader, containerd and node:zlib all read multi-member streams), so registries and
 * pullers see an ordinary `tar+gzip` layer. This is pigz's idea without its dictionary priming:
 * with 4 MiB blocks the ratio loss is a fraction of a percent, and a single-threaded deflate
 * (~40–80 MB/s here) is what held dockerd's push to ~36 MB/s.
 *
 * Blocks whose content does not compress (already-compressed files, random data) are stored
 * instead of being run through the matcher for nothing — btrfs makes the same call with the
 * same test: the byte entropy of a few samples, plus a trial deflate of those samples when they
 * are nearly random (so that a few tar headers among random files do not buy a full deflate
 * for a fraction of a percent). A stored member is built here (deflate "stored"
 * blocks plus zlib's native crc32), which costs one copy of the block and no thread-pool trip.
 * Output stays deterministic for the same input and level, so a layer compressed twice gets the
 * same digest.
 *
 * Written chunks are owned by this stream until compressed (the usual Writable contract): a
 * producer must not reuse a buffer after writing it.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);
const deflateRaw = promisify(zlib.deflateRaw);

export interface ParallelGzipOptions {
  /** zlib level for compressible blocks (1–9). */
  level: number;
  /** Uncompressed bytes per gzip member. Default 4 MiB. */
  blockSize?: number;
  /** Blocks being compressed at once (thread-pool jobs). Default 3: both cores busy, one block ahead. */
  concurrency?: number;
}

const SAMPLE = 8 * 1024;
/**
 * Bits per byte above which a sample counts as incompressible. Random and already-compressed
 * data measure ~7.98 on an 8 KiB sample; text and machine code stay far below (4.5–6.5).
 */
const ENTROPY_LIMIT = 7.9;
/** Samples per block for the incompressibility test. */
const SAMPLES = 8;
/** A trial deflate must save at least this fraction for a near-random block to be compressed. */
const MIN_SAVING = 0.05;
/** Deflate's longest stored block. */
const STORED_MAX = 65535;

/** Shannon entropy (bits per byte) of `b`. */
export function byteEntropy(b: Buffer): number {
  const counts = new Uint32Array(256);
  for (let i = 0; i < b.length; i++) counts[b[i]!]!++;
  let h = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const p = c / b.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A block: the input pieces it is made of (never joined unless zlib needs one buffer). */
type Block = Buffer[];

const blockLength = (b: Block) => b.reduce((n, p) => n + p.length, 0);

/** `len` bytes of `block` from `offset` (a view when they lie in one piece, else a small copy). */
function window(block: Block, offset: number, len: number): Buffer {
  let o = offset;
  for (const [i, p] of block.entries()) {
    if (o < p.length) return o + len <= p.length ? p.subarray(o, o + len) : Buffer.concat([p.subarray(o), ...block.slice(i + 1)]).subarray(0, len);
    o -= p.length;
  }
  return Buffer.alloc(0);
}

/**
 * True when `block` is not worth deflating. Evenly spread samples that all look random settle
 * it at once; otherwise a trial deflate of the samples at level 1 decides: saving under
 * {@link MIN_SAVING}, the block is stored. (Random or compressed files with a few tar headers in
 * between, the usual content of such a layer, save well under that; deflating them in full cost
 * the bench image 0.7 s of CPU per 200 MB — more than the rest of the push — for 0.45 %.)
 */
async function incompressible(block: Block): Promise<boolean> {
  const n = blockLength(block);
  if (n < SAMPLES * SAMPLE) return false;
  const step = (n - SAMPLE) / (SAMPLES - 1);
  const samples = Array.from({ length: SAMPLES }, (_, i) => window(block, Math.floor(i * step), SAMPLE));
  if (samples.every((x) => byteEntropy(x) > ENTROPY_LIMIT)) return true;
  const trial = Buffer.concat(samples);
  const packed = await deflateRaw(trial, { level: 1 });
  return packed.length > trial.length * (1 - MIN_SAVING);
}

/**
 * A gzip member holding `block` in deflate stored blocks (RFC 1951 §3.2.4), built with one copy
 * of the data straight from the input pieces.
 */
export function storedMember(block: Buffer | Block): Buffer {
  const parts = Array.isArray(block) ? block : [block];
  const n = blockLength(parts);
  const pieces = Math.max(1, Math.ceil(n / STORED_MAX));
  const out = Buffer.allocUnsafe(10 + pieces * 5 + n + 8);
  // Header: magic, deflate, no flags, mtime 0, no extra flags, OS 3 (unix) as zlib writes it.
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3], 0);
  let p = 10;
  let crc = 0;
  let part = 0;
  let inPart = 0;
  for (let i = 0; i < pieces; i++) {
    let len = Math.min(STORED_MAX, n - i * STORED_MAX);
    out[p] = i === pieces - 1 ? 1 : 0;
    out.writeUInt16LE(len, p + 1);
    out.writeUInt16LE(~len & 0xffff, p + 3);
    p += 5;
    while (len > 0) {
      const src = parts[part]!;
      const take = Math.min(len, src.length - inPart);
      const view = src.subarray(inPart, inPart + take);
      out.set(view, p);
      crc = zlib.crc32(view, crc);
      p += take;
      len -= take;
      inPart += take;
      if (inPart === src.length) {
        part++;
        inPart = 0;
      }
    }
  }
  out.writeUInt32LE(crc >>> 0, p);
  out.writeUInt32LE(n >>> 0, p + 4);
  return out;
}

async function compressBlock(block: Block, level: number): Promise<Buffer> {
  if (await incompressible(block)) return storedMember(block);
  return gzip(block.length === 1 ? block[0]! : Buffer.concat(block), { level });
}

/** A Transform from raw bytes to a multi-member gzip stream (see the module comment). */
export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly blockSize: number;
  private readonly concurrency: number;
  private parts: Buffer[] = [];
  private buffered = 0;
  private readonly jobs: Array<Promise<Buffer>> = [];
  private started = false;

  constructor(opts: ParallelGzipOptions) {
    super({ highWaterMark: 4 << 20 });
    this.level = opts.level;
    this.blockSize = opts.blockSize ?? 4 << 20;
    this.concurrency = opts.concurrency ?? 3;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= this.blockSize) this.submit(this.takeBytes(this.blockSize));
    this.settle(this.concurrency - 1).then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    // An empty input still gives a valid (one empty member) gzip stream.
    if (this.buffered > 0 || !this.started) this.submit(this.takeBytes(this.buffered));
    this.settle(0).then(() => cb(), cb);
  }

  /** Starts compressing a block; the job is observed at once so a failure is never unhandled. */
  private submit(block: Block): void {
    this.started = true;
    const job = compressBlock(block, this.level);
    job.catch(() => {});
    this.jobs.push(job);
  }

  /** Emits finished blocks in order until at most `pending` are still running. */
  private async settle(pending: number): Promise<void> {
    while (this.jobs.length > pending) this.push(await this.jobs.shift()!);
  }

  /** The first `n` buffered bytes as views of the input pieces (no copy). */
  private takeBytes(n: number): Block {
    const out: Block = [];
    let need = n;
    while (need > 0) {
      const head = this.parts[0]!;
      if (head.length <= need) {
        out.push(head);
        this.parts.shift();
        need -= head.length;
      } else {
        out.push(head.subarray(0, need));
        this.parts[0] = head.subarray(need);
        need = 0;
      }
    }
    this.buffered -= n;
    return out;
  }
}
