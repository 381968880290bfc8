/**
 * The attach-socket framing of wharf-shim (docs/shim-protocol.md, "Attach socket protocol"):
 * `[type:u8][len:u32 big-endian][payload]` in both directions.
 */

/** Frame types; client → shim: Stdin, StdinClose, Resize, ReplayEnd; shim → client: Stdout, Stderr, Exit. */
export const FrameType = {
  Stdin: 0,
  Stdout: 1,
  Stderr: 2,
  StdinClose: 4,
  Resize: 5,
  Exit: 6,
  /** Ends a `--start` shim's start window: later clients get live output only. */
  ReplayEnd: 7,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Largest payload the shim accepts from a client (FRAME_MAX in native/shim/shim.h). */
export const MAX_CLIENT_FRAME = 1024 * 1024;

const HEADER = 5;

/** One frame with its header. */
export function encodeFrame(type: FrameType, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.allocUnsafe(HEADER + payload.length);
  frame[0] = type;
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, HEADER);
  return frame;
}

/** A resize frame: rows and cols as big-endian u16. */
export function encodeResize(rows: number, cols: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt16BE(rows & 0xffff, 0);
  p.writeUInt16BE(cols & 0xffff, 2);
  return encodeFrame(FrameType.Resize, p);
}

export interface Frame {
  type: number;
  payload: Buffer;
}

/**
 * Splits a byte stream into frames. Chunks are kept in a list and joined only when a frame is
 * complete, so a large frame arriving in many chunks costs one copy, not one per chunk.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private size = 0;

  /** Adds bytes; returns every frame they complete. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const frames: Frame[] = [];
    while (this.size >= HEADER) {
      const head = this.peek(HEADER);
      const len = head.readUInt32BE(1);
      if (this.size < HEADER + len) break;
      const all = this.take(HEADER + len);
      frames.push({ type: all[0], payload: all.subarray(HEADER) });
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }

  private take(n: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.size -= n;
    this.chunks = this.size > 0 ? [joined.subarray(n)] : [];
    return joined.subarray(0, n);
  }
}
