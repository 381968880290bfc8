import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { errnoCode, internal, notFound } from '../../errdefs/index.js';
import { encodeFrame, encodeResize, FrameDecoder, FrameType } from './shim-frames.js';
import { readExit, type ShimExit, toShimExit } from './read-exit.js';
import { ShimFiles } from './shim-paths.js';

export type ShimStream = 'stdout' | 'stderr';

/**
 * A client connection to a shim's attach socket. Output is delivered once a listener is
 * registered (the socket stays paused until then, so nothing is lost between attaching and
 * subscribing). Closing the connection detaches; the container keeps running.
 */
export interface ShimConnection {
  /** Output of the process; with a tty everything is `stdout`. */
  onData(listener: (stream: ShimStream, data: Buffer) => void): void;
  /** Called once with the exit record, just before the shim closes the connection. */
  onExit(listener: (exit: ShimExit) => void): void;
  /** Called once when the connection is gone: after the exit, on close(), or when the shim
   * dropped this client (it fell too far behind) — then without an exit. */
  onClose(listener: (err?: Error) => void): void;
  /** Sends stdin; resolves when the bytes are handed to the kernel (backpressure). */
  writeStdin(data: Uint8Array): Promise<void>;
  /** EOF on the process's stdin (pipes; with a tty the shim ignores it, as containerd does). */
  closeStdin(): Promise<void>;
  /** Sets the terminal size (TIOCSWINSZ on the pty master); ignored without a tty. */
  resize(rows: number, cols: number): void;
  /** Detaches. */
  close(): void;
}

/** Frames of stdin are cut to this size: well under the shim's 1 MiB frame limit. */
const STDIN_CHUNK = 64 * 1024;
/** sun_path holds 108 bytes including the NUL. */
const SUN_PATH_MAX = 107;

class Connection implements ShimConnection {
  private readonly decoder = new FrameDecoder();
  private dataListeners: ((stream: ShimStream, data: Buffer) => void)[] = [];
  private exitListeners: ((exit: ShimExit) => void)[] = [];
  private closeListeners: ((err?: Error) => void)[] = [];
  private exit: ShimExit | undefined;
  private closed: { err?: Error } | undefined;
  private flowing = false;
  private exitDelivered = false;

  /** `socket` undefined: the shim is gone and `knownExit` is what it recorded. */
  constructor(
    private readonly socket: net.Socket | undefined,
    knownExit?: ShimExit,
  ) {
    this.exit = knownExit;
    if (!socket) {
      this.closed = {};
      this.exitDelivered = knownExit !== undefined;
      return;
    }
    socket.on('error', (err) => {
      this.finish(err);
    });
    socket.on('close', () => this.finish());
  }

  onData(listener: (stream: ShimStream, data: Buffer) => void): void {
    this.dataListeners.push(listener);
    this.flow();
  }

  onExit(listener: (exit: ShimExit) => void): void {
    const exit = this.exit;
    if (exit && this.exitDelivered) queueMicrotask(() => listener(exit));
    else this.exitListeners.push(listener);
    this.flow();
  }

  onClose(listener: (err?: Error) => void): void {
    const closed = this.closed;
    if (closed) queueMicrotask(() => listener(closed.err));
    else this.closeListeners.push(listener);
    this.flow();
  }

  writeStdin(data: Uint8Array): Promise<void> {
    const writes: Promise<void>[] = [];
    for (let off = 0; off < data.length; off += STDIN_CHUNK) {
      writes.push(this.send(encodeFrame(FrameType.Stdin, data.subarray(off, off + STDIN_CHUNK))));
    }
    return Promise.all(writes).then(() => undefined);
  }

  closeStdin(): Promise<void> {
    return this.send(encodeFrame(FrameType.StdinClose));
  }

  resize(rows: number, cols: number): void {
    this.send(encodeResize(rows, cols)).catch(() => {
      /* a resize racing the exit is harmless; onClose reports the connection's end */
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private send(frame: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closed || socket.destroyed) {
      return Promise.reject(internal('the shim connection is closed'));
    }
    return new Promise((resolve, reject) => {
      socket.write(frame, (err) => (err ? reject(internal(`write to shim: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  /** Starts reading once somebody listens (paused sockets buffer in the kernel, not here). */
  private flow(): void {
    if (this.flowing || !this.socket) return;
    this.flowing = true;
    this.socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) this.dispatch(frame.type, frame.payload);
    });
  }

  private dispatch(type: number, payload: Buffer): void {
    if (type === FrameType.Stdout || type === FrameType.Stderr) {
      const stream: ShimStream = type === FrameType.Stdout ? 'stdout' : 'stderr';
      for (const l of this.dataListeners) l(stream, payload);
    } else if (type === FrameType.Exit && !this.exit) {
      this.exit = toShimExit(JSON.parse(payload.toString('utf8')));
      this.deliverExit();
    }
  }

  private deliverExit(): void {
    if (!this.exit || this.exitDelivered) return;
    this.exitDelivered = true;
    const listeners = this.exitListeners;
    this.exitListeners = [];
    for (const l of listeners) l(this.exit);
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = err ? { err } : {};
    this.deliverExit();
    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const l of listeners) l(err);
  }
}

/** Connects to a unix socket; a path longer than sun_path goes through the directory's fd. */
async function connect(socketPath: string): Promise<net.Socket> {
  let dirFd: number | undefined;
  let target = socketPath;
  if (Buffer.byteLength(socketPath) > SUN_PATH_MAX) {
    const handle = await fs.open(path.dirname(socketPath), 'r');
    dirFd = handle.fd;
    target = `/proc/self/fd/${dirFd}/${path.basename(socketPath)}`;
    try {
      return await connectPath(target);
    } finally {
      await handle.close();
    }
  }
  return connectPath(target);
}

function connectPath(target: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(target);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Ends the start window of a shim spawned with `start` (see SpawnShimOptions.start): the output
 * it kept since the container started is dropped, and later clients see live output only.
 * A shim that is already gone needs nothing; failures are ignored for that reason.
 */
export async function endStartWindow(stateDir: string): Promise<void> {
  let socket: net.Socket;
  try {
    socket = await connect(path.join(stateDir, ShimFiles.attachSocket));
  } catch {
    return;
  }
  // The shim closes the connection once the window is closed (its acknowledgement). Output it
  // queued to us meanwhile is read and dropped.
  socket.resume();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => socket.destroy());
  socket.write(encodeFrame(FrameType.ReplayEnd));
  await closed;
}

/**
 * Attaches to the shim whose state dir is `stateDir`. When the shim has already finished (its
 * socket is gone) but exit.json is there, the returned connection reports that exit at once.
 * Throws NotFound when there is neither a shim nor an exit record.
 */
export async function attachShim(stateDir: string): Promise<ShimConnection> {
  const socketPath = path.join(stateDir, ShimFiles.attachSocket);
  try {
    return new Connection(await connect(socketPath));
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'ENOENT' && code !== 'ECONNREFUSED') {
      throw internal(`attach to shim in ${stateDir}: ${(err as Error).message}`, { cause: err });
    }
    const exit = await readExit(stateDir);
    if (exit) return new Connection(undefined, exit);
    throw notFound(`no shim is running in ${stateDir}`, { cause: err });
  }
}
