/**
 * Docker's multiplexed stdout/stderr framing (moby's stdcopy), used on attach, exec and logs of
 * non-TTY containers: each frame is an 8-byte header `[stream, 0, 0, 0, size (uint32 BE)]`
 * followed by `size` payload bytes. Stream 0 is stdin, 1 stdout, 2 stderr, 3 "systemerr" (an
 * error from the daemon, ending the stream).
 */
import { Writable } from 'node:stream';
import { internal, WharfError } from '../errdefs/index.js';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;

const HEADER = 8;

/** Encodes one frame. */
export function encodeFrame(stream: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const h = Buffer.alloc(HEADER);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

/** Receives demultiplexed payloads. */
export interface FrameSink {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
}

/**
 * A Writable that decodes frames from whatever chunking the transport produced and hands the
 * payloads to a sink. A systemerr frame or an unknown stream id fails the stream, as stdcopy does.
 */
export class FrameDemuxer extends Writable {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: FrameSink) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    try {
      this.drainFrames();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.pending.length > 0) cb(internal(`multiplexed stream ended inside a frame (${this.pending.length} bytes left)`));
    else cb();
  }

  private drainFrames(): void {
    while (this.pending.length >= HEADER) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER + size) return;
      const stream = this.pending[0];
      const payload = this.pending.subarray(HEADER, HEADER + size);
      this.pending = this.pending.subarray(HEADER + size);
      if (stream === STDOUT || stream === STDIN) this.sink.stdout(payload);
      else if (stream === STDERR) this.sink.stderr(payload);
      else if (stream === SYSTEMERR) throw new WharfError('Internal', `error from daemon in stream: ${payload.toString()}`);
      else throw internal(`unrecognized input header: ${stream}`);
    }
  }
}

/** Demultiplexes a whole readable stream into two writables; resolves when the input ends. */
export async function demuxStream(
  input: AsyncIterable<Buffer>,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<void> {
  const demux = new FrameDemuxer({ stdout: (b) => stdout.write(b), stderr: (b) => stderr.write(b) });
  for await (const chunk of input) {
    await new Promise<void>((resolve, reject) => demux.write(chunk, (err) => (err ? reject(err) : resolve())));
  }
  await new Promise<void>((resolve, reject) => {
    demux.once('error', reject);
    demux.end(resolve);
  });
}
