import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import tty from 'node:tty';
import { internal, invalidArgument } from '../../errdefs/index.js';

/**
 * The master side of a container's pty: what the container writes to its terminal is read from
 * `stream`, what is written to `stream` is the terminal's input (echoed by the line discipline
 * unless the program turned echo off).
 */
export interface PtyMaster {
  readonly fd: number;
  /**
   * One duplex stream over the fd. A single tty.ReadStream serves both directions: two libuv
   * handles on one fd (a ReadStream and a WriteStream) would both close it, and the second
   * close could hit an fd number the process has reused meanwhile. When the last process
   * holding the slave exits, reads fail with EIO (swallowed here) or return EOF; either way
   * the stream emits 'close', which is the hang-up signal to wait for.
   */
  readonly stream: Duplex;
  /** Sets the terminal size (TIOCSWINSZ); the foreground process gets SIGWINCH. */
  resize(rows: number, cols: number): Promise<void>;
  /** Closes the master (the container's side sees a hangup). */
  close(): void;
}

/**
 * Wraps a received pty master fd. Node has no ioctl; `stty` with the master as its stdin applies
 * TIOCSWINSZ to it, which on a pty pair sets the size the slave side reports.
 */
export function openPtyMaster(fd: number): PtyMaster {
  const stream = new tty.ReadStream(fd) as tty.ReadStream & Duplex;
  // EIO on a master means every slave fd is closed: the container's terminal is gone. That is
  // a normal end, not an error worth crashing on; the stream is destroyed and emits 'close'.
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EIO' && stream.listenerCount('error') === 1) throw err;
  });
  let closed = false;
  return {
    fd,
    stream,
    resize(rows, cols) {
      if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0 && rows < 65536 && cols < 65536)) {
        return Promise.reject(invalidArgument(`invalid terminal size ${rows}x${cols}`));
      }
      if (closed) return Promise.reject(internal('pty master is closed'));
      return new Promise((resolve, reject) => {
        const child = spawn('stty', ['rows', String(rows), 'cols', String(cols)], { stdio: [fd, 'ignore', 'pipe'] });
        let err = '';
        child.stderr?.on('data', (b: Buffer) => {
          err += b.toString();
        });
        child.on('error', (e) => reject(internal(`stty: ${e.message}`, { cause: e })));
        child.on('close', (code) => (code === 0 ? resolve() : reject(internal(`stty rows ${rows} cols ${cols} failed: ${err.trim()}`))));
      });
    },
    close() {
      if (closed) return;
      closed = true;
      stream.destroy();
    },
  };
}
