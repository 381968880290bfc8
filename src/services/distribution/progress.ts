/**
 * Docker's per-layer progress lines for pull and push, throttled as dockerd's progress reader
 * throttles them: a byte-count update at most every 100 ms and only after 512 KiB more, plus a
 * final one, so a fast transfer does not drown the client in lines.
 */
import type { JSONMessage } from '../../spec/engine/types.js';
import { progressMessage } from '../images/json-progress.js';

/** Where progress goes: one JSON message at a time. */
export type MessageSink = (msg: JSONMessage) => void;

const UPDATE_BYTES = 512 * 1024;
const UPDATE_MS = 100;

/** A status line with an empty progressDetail (`Pull complete`, `Pushed`, …). */
export function statusLine(status: string, id: string): JSONMessage {
  return { status, progressDetail: {}, id };
}

/** Counts bytes of one transfer and emits `status` progress lines for `id`. */
export class ByteProgress {
  private current = 0;
  private lastBytes = 0;
  private lastAt = 0;

  constructor(
    private readonly out: MessageSink,
    private readonly status: string,
    private readonly id: string,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(n: number): void {
    this.current += n;
    const t = this.now();
    if (this.current - this.lastBytes > UPDATE_BYTES && t - this.lastAt >= UPDATE_MS) this.emit(t);
  }

  /** The final update (always sent unless nothing moved since the last one). */
  finish(): void {
    if (this.current !== this.lastBytes || this.lastAt === 0) this.emit(this.now());
  }

  get bytes(): number {
    return this.current;
  }

  private emit(t: number): void {
    this.lastBytes = this.current;
    this.lastAt = t;
    this.out(progressMessage(this.status, this.id, this.current, this.total));
  }
}
