/**
 * Docker's multiplexed stream format (moby pkg/stdcopy): for a container without a tty, every
 * write of stdout or stderr travels as one frame `[stream, 0, 0, 0, len:u32 big-endian]` followed
 * by `len` bytes. With a tty there are no frames: the bytes go raw. Client stdin is never framed.
 */

/** Stream ids of the frame header. */
export const StdStream = {
  Stdin: 0,
  Stdout: 1,
  Stderr: 2,
  /** Daemon-side errors (not used by dockerd 20.10 on the wire). */
  SystemErr: 3,
} as const;
export type StdStream = (typeof StdStream)[keyof typeof StdStream];

const HEADER = 8;

/**
 * The frame carrying `data` on `stream` (empty for empty data, as stdcopy writes nothing then).
 * Payloads come from the shim in chunks of at most 1 MiB, far below the u32 length limit.
 */
export function muxFrame(stream: StdStream, data: Uint8Array): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  const frame = Buffer.allocUnsafe(HEADER + data.length);
  frame.writeUInt32BE(0, 0);
  frame[0] = stream;
  frame.writeUInt32BE(data.length, 4);
  frame.set(data, HEADER);
  return frame;
}

/**
 * Splits a multiplexed byte stream back into frames (the client side: tests and our own CLI).
 * Bytes of an incomplete frame are kept until the rest arrives.
 */
export class MuxDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { stream: number; data: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { stream: number; data: Buffer }[] = [];
    while (this.buf.length >= HEADER) {
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < HEADER + len) break;
      out.push({ stream: this.buf[0]!, data: this.buf.subarray(HEADER, HEADER + len) });
      this.buf = this.buf.subarray(HEADER + len);
    }
    return out;
  }

  /** Bytes of an unfinished frame. */
  get pending(): number {
    return this.buf.length;
  }
}
