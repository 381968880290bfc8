import type { FileHandle } from 'node:fs/promises';

const CHUNK = 64 * 1024;
const NL = 0x0a;

/**
 * Reads complete lines from an open file, from a position onward, remembering where it stopped:
 * a last line without '\n' (a writer mid-append) is kept until its end arrives. The follower
 * calls {@link LineReader.read} again when the file grew.
 */
export class LineReader {
  private partial: Buffer[] = [];

  constructor(
    readonly handle: FileHandle,
    private position = 0,
  ) {}

  /** The file offset up to which bytes have been consumed (split or kept as the partial). */
  get offset(): number {
    return this.position;
  }

  /**
   * Lines (without '\n') from the position up to `end` (default: the end of file), reading at
   * most `limit` bytes so that a huge file is processed in bounded batches. `more` says whether
   * `end` was not reached yet because of the limit.
   */
  async read(end = Number.POSITIVE_INFINITY, limit = 16 * CHUNK): Promise<{ lines: Buffer[]; more: boolean }> {
    const lines: Buffer[] = [];
    const buf = Buffer.allocUnsafe(CHUNK);
    let budget = limit;
    while (this.position < end) {
      if (budget <= 0) return { lines, more: true };
      const want = Math.min(CHUNK, end - this.position);
      const { bytesRead } = await this.handle.read(buf, 0, want, this.position);
      if (bytesRead === 0) break;
      this.position += bytesRead;
      budget -= bytesRead;
      this.split(Buffer.from(buf.subarray(0, bytesRead)), lines);
    }
    return { lines, more: false };
  }

  private split(chunk: Buffer, out: Buffer[]): void {
    let start = 0;
    for (let nl = chunk.indexOf(NL); nl >= 0; nl = chunk.indexOf(NL, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.partial.length > 0) {
        out.push(Buffer.concat([...this.partial, piece]));
        this.partial = [];
      } else {
        out.push(piece);
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
  }
}

/** Reads exactly `buf.length` bytes at `pos` (fewer only at end of file). */
async function readAt(handle: FileHandle, buf: Buffer, pos: number): Promise<Buffer> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await handle.read(buf, got, buf.length - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/**
 * The last `n` lines of a sequence of files (oldest first) that end at the given sizes, read
 * backwards in chunks so that `--tail 10` on a huge log reads a few KiB, not the whole file.
 * A trailing piece without '\n' is not a line yet and is ignored.
 */
export async function tailLines(files: { handle: FileHandle; size: number }[], n: number): Promise<Buffer[]> {
  const found: Buffer[] = []; // newest first
  for (let i = files.length - 1; i >= 0 && found.length < n; i--) {
    const { handle, size } = files[i];
    let pos = size;
    // Bytes read but not yet split: once `started`, they end with the '\n' of a line whose
    // beginning lies further back.
    let carry: Buffer = Buffer.alloc(0);
    let started = false;
    while (pos > 0 && found.length < n) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const chunk = await readAt(handle, Buffer.allocUnsafe(len), pos);
      let data = carry.length > 0 ? Buffer.concat([chunk, carry]) : chunk;
      if (!started) {
        const lastNl = data.lastIndexOf(NL);
        if (lastNl < 0) {
          carry = Buffer.alloc(0); // all unterminated so far
          continue;
        }
        data = data.subarray(0, lastNl + 1);
        started = true;
      }
      let end = data.length - 1; // always the index of a '\n'
      while (found.length < n && end > 0) {
        // (lastIndexOf with a negative offset would count from the end: hence end > 0.)
        const prev = data.lastIndexOf(NL, end - 1);
        if (prev < 0) break;
        found.push(data.subarray(prev + 1, end));
        end = prev;
      }
      carry = Buffer.from(data.subarray(0, end + 1));
    }
    // At the start of the file, what is left is its first line.
    if (found.length < n && pos === 0 && started && carry.length > 0) found.push(carry.subarray(0, carry.length - 1));
  }
  return found.reverse();
}

/** The offset just after the last '\n' before `size` (0 when there is none). */
export async function endOfLastLine(handle: FileHandle, size: number): Promise<number> {
  for (let pos = size; pos > 0; ) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const chunk = await readAt(handle, Buffer.allocUnsafe(len), pos);
    const nl = chunk.lastIndexOf(NL);
    if (nl >= 0) return pos + nl + 1;
  }
  return 0;
}
