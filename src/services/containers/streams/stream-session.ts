/**
 * One hijacked attach or exec connection: the client's socket on one side, a wharf-shim attach
 * connection on the other. Output of the process goes to the client as Docker's multiplexed
 * frames (no tty) or raw bytes (tty); the client's bytes are the process's stdin, never framed.
 *
 * End of the session (Docker's container/stream CopyStreams semantics):
 * - the process exited (the shim sent its exit record and closed): the client socket is ended;
 * - the detach keys were typed (tty only, as in dockerd 20.10): the process keeps running;
 * - the client's stdin reached EOF: with `closeStdinOnEof` (StdinOnce without a tty, and every
 *   exec) the process's stdin is closed and output keeps flowing; otherwise the session ends.
 *   Without stdin, the client's half-close (CLI `CloseWrite()` right after the 101) means nothing;
 * - the client went away.
 * Stdin that arrives before the shim connection exists (attach before start) is queued.
 */
import type { Duplex } from 'node:stream';
import type { ShimConnection, ShimStream } from '../../../plugins/shim/attach-shim.js';
import type { ShimExit } from '../../../plugins/shim/read-exit.js';
import { DetachMatcher } from '../../../lib/detach-keys.js';
import { muxFrame, StdStream } from './stdcopy.js';

export interface StreamSessionOptions {
  tty: boolean;
  /** Which output streams the client asked for. */
  stdout: boolean;
  stderr: boolean;
  /** Forward the client's bytes as stdin (the client asked and the process has stdin open). */
  stdin: boolean;
  /** At the client's EOF close the process's stdin and keep streaming, instead of ending. */
  closeStdinOnEof: boolean;
  /** The detach sequence; only applied with a tty, as dockerd 20.10 does. */
  detachKeys?: Buffer;
  /** Leave the shim connection open when the session ends (its owner still needs the exit). */
  keepConnection?: boolean;
}

/** Why a session ended. */
export type SessionEnd = 'exited' | 'detached' | 'stdin-closed' | 'client-gone' | 'shim-gone' | 'done';

/** Stdin queued before the shim is connected; past this the client is paused (kernel buffers). */
const MAX_QUEUED_STDIN = 1024 * 1024;
/**
 * Output kept for a client that does not read. The shim never waits for a client (it drops one
 * that falls 4 MiB behind rather than block the container), and node reads the shim eagerly, so
 * the same policy is applied here with more room: a client this far behind is disconnected.
 */
const MAX_CLIENT_BACKLOG = 64 * 1024 * 1024;
/** After ending the output, how long the client gets to close its side before the socket goes. */
const CLOSE_GRACE_MS = 10_000;

export class StreamSession {
  private conn: ShimConnection | undefined;
  private queue: Buffer[] = [];
  private queued = 0;
  private inputEnded = false;
  private stdinChain: Promise<void> = Promise.resolve();
  private readonly matcher: DetachMatcher | undefined;
  private exitRecord: ShimExit | undefined;
  private endReason: SessionEnd | undefined;
  private resolveEnded!: (reason: SessionEnd) => void;
  /** Settles once with the reason the session ended. */
  readonly ended: Promise<SessionEnd>;

  constructor(
    private readonly client: Duplex,
    private readonly o: StreamSessionOptions,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    this.matcher = o.tty && o.stdin && o.detachKeys ? new DetachMatcher(o.detachKeys) : undefined;
    client.on('error', () => this.finish('client-gone'));
    client.on('close', () => this.finish('client-gone'));
    client.on('end', () => this.onInputEnd());
    client.on('data', (chunk: Buffer) => this.onInput(chunk));
    client.resume();
  }

  /** The exit record, once the shim sent it. */
  get exit(): ShimExit | undefined {
    return this.exitRecord;
  }

  get isEnded(): boolean {
    return this.endReason !== undefined;
  }

  /** The live shim connection (for resize), if connected. */
  get connection(): ShimConnection | undefined {
    return this.conn;
  }

  /** Writes output that did not come from the shim (the log replay of `logs=1`). */
  writeOutput(stream: ShimStream, data: Buffer): boolean {
    if (this.endReason) return false;
    if (stream === 'stdout' ? !this.o.stdout : !this.o.stderr) return true;
    const bytes = this.o.tty ? data : muxFrame(stream === 'stdout' ? StdStream.Stdout : StdStream.Stderr, data);
    if (bytes.length === 0) return true;
    const flushed = this.client.write(bytes);
    if (this.client.writableLength > MAX_CLIENT_BACKLOG) this.finish('client-gone');
    return flushed;
  }

  /** Resolves when the client has taken the output written so far (backpressure for replays). */
  async drained(): Promise<void> {
    if (this.endReason || !this.client.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.client.off('drain', done);
        this.client.off('close', done);
        resolve();
      };
      this.client.on('drain', done);
      this.client.on('close', done);
    });
  }

  /** Connects the process: output flows to the client, queued stdin flows to the process. */
  connect(conn: ShimConnection): void {
    if (this.endReason) {
      if (!this.o.keepConnection) conn.close();
      return;
    }
    this.conn = conn;
    conn.onData((stream, data) => this.writeOutput(stream, data));
    conn.onExit((exit) => {
      this.exitRecord = exit;
    });
    conn.onClose(() => this.finish(this.exitRecord ? 'exited' : 'shim-gone'));
    const queued = this.queue;
    this.queue = [];
    this.queued = 0;
    for (const chunk of queued) this.sendStdin(chunk);
    if (this.inputEnded) this.applyInputEnd();
    this.client.resume();
  }

  /**
   * The container is gone (removed): a session connected to its shim ends when the shim closes
   * the connection after the exit frame, so output the shim sent before it, still in the
   * socket, reaches the client (a removal right after the exit can come before the daemon read
   * it); after `graceMs` it is cut off regardless. A session with no shim ends now.
   */
  finishAfterShim(reason: SessionEnd, graceMs: number): void {
    if (this.endReason) return;
    if (!this.conn) {
      this.finish(reason);
      return;
    }
    const timer = setTimeout(() => this.finish(reason), graceMs);
    timer.unref();
    void this.ended.then(() => clearTimeout(timer));
  }

  /** Ends the session: the client's socket is ended, the shim connection closed (detach). */
  finish(reason: SessionEnd): void {
    if (this.endReason) return;
    this.endReason = reason;
    const conn = this.conn;
    if (conn && reason === 'client-gone' && this.o.stdin && this.o.closeStdinOnEof && !this.inputEnded) {
      // A vanished client is the end of its stdin too (dockerd's stdin copy returns and, for
      // StdinOnce without a tty and for execs, closes the process's stdin).
      conn.closeStdin().catch(() => {});
    }
    if (conn && !this.o.keepConnection) conn.close();
    const client = this.client;
    if (!client.destroyed) {
      // end() sends FIN after the queued output; the CLI then closes its side. A client that
      // never does is cut off after the grace period so the fd is not held forever.
      client.end();
      const timer = setTimeout(() => client.destroy(), CLOSE_GRACE_MS);
      timer.unref();
      client.once('close', () => clearTimeout(timer));
    }
    this.resolveEnded(reason);
  }

  private onInput(chunk: Buffer): void {
    if (!this.o.stdin || this.endReason) return; // no stdin asked for: the bytes are dropped
    let data = chunk;
    if (this.matcher) {
      const r = this.matcher.push(chunk);
      data = r.forward;
      if (r.detached) {
        if (data.length) this.sendStdin(data);
        void this.stdinChain.then(() => this.finish('detached'));
        return;
      }
    }
    if (data.length === 0) return;
    if (!this.conn) {
      this.queue.push(data);
      this.queued += data.length;
      if (this.queued > MAX_QUEUED_STDIN) this.client.pause();
      return;
    }
    this.sendStdin(data);
  }

  /** Forwards stdin in order; the client is paused while the shim has not taken a chunk. */
  private sendStdin(data: Buffer): void {
    const conn = this.conn;
    if (!conn) return;
    this.client.pause();
    this.stdinChain = this.stdinChain
      .then(() => conn.writeStdin(data))
      .catch(() => {
        /* the shim is gone: onClose ends the session */
      })
      .finally(() => {
        if (!this.endReason) this.client.resume();
      });
  }

  private onInputEnd(): void {
    if (!this.o.stdin || this.inputEnded) return;
    this.inputEnded = true;
    if (this.conn) this.applyInputEnd();
  }

  private applyInputEnd(): void {
    if (!this.o.closeStdinOnEof) {
      // Docker: when stdin ends and it is not StdinOnce-without-tty, stdout and stderr close too.
      void this.stdinChain.then(() => this.finish('stdin-closed'));
      return;
    }
    const conn = this.conn!;
    this.stdinChain = this.stdinChain.then(() => conn.closeStdin()).catch(() => {});
  }
}
