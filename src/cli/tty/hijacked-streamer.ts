/**
 * docker's hijackedIOStreamer: copies our stdin to a hijacked attach/exec connection and its
 * output to our stdout/stderr — raw bytes with a TTY, stdcopy frames without — until the output
 * ends or the user types the detach keys.
 */
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { demuxStream } from '../../client/stdcopy.js';
import { DetachMatcher } from '../../lib/detach-keys.js';
import { effectiveDetachKeys } from './detach-keys.js';
import { setRawTerminal, type TerminalInput } from './terminal.js';

export interface StreamerOptions {
  socket: Socket;
  tty: boolean;
  /** Our stdin, when it is attached. */
  stdin?: TerminalInput;
  stdout?: Writable;
  stderr?: Writable;
  /** `--detach-keys` (only watched with a TTY, as in docker). */
  detachKeys?: string;
  /** Where docker's warnings go (an invalid detach key spec). */
  warn: (msg: string) => void;
}

/** How a session ended: the output stream closed, or the user detached. */
export type StreamEnd = 'done' | 'detached';

/** Streams until the output ends or the user detaches. Rejects on a broken multiplexed stream. */
export async function streamHijacked(opts: StreamerOptions): Promise<StreamEnd> {
  const { tty } = opts;
  const restore = opts.stdin && tty ? setRawTerminal(opts.stdin) : () => {};
  let stopInput = () => {};
  try {
    const output = outputDone(opts, restore);
    const input = new Promise<StreamEnd>((resolve) => {
      stopInput = pumpInput(opts, restore, resolve);
    });
    const first = await Promise.race([output.then(() => 'done' as const), input]);
    if (first === 'detached') return 'detached';
    // Either the output ended, or our input did (then the output still runs to its end).
    await output;
    return 'done';
  } finally {
    stopInput();
    restore();
  }
}

function outputDone(opts: StreamerOptions, restore: () => void): Promise<void> {
  const { socket } = opts;
  if (!opts.stdout && !opts.stderr) return new Promise(() => {});
  if (opts.tty && opts.stdout) {
    const out = opts.stdout;
    return new Promise((resolve) => {
      socket.on('data', (b: Buffer) => out.write(b));
      // Restore the terminal as soon as the stream ends, before anything else is printed.
      const end = () => {
        restore();
        resolve();
      };
      socket.once('end', end);
      socket.once('close', end);
    });
  }
  const sink = (w: Writable | undefined) => w ?? ({ write: () => true } as unknown as Writable);
  return demuxStream(socket, sink(opts.stdout), sink(opts.stderr)).catch((e: unknown) => {
    // A reset connection is how some daemons end a stream; only a framing error is an error.
    if ((e as NodeJS.ErrnoException).code === 'ECONNRESET') return;
    throw e;
  });
}

/** Copies stdin to the connection; half-closes it at EOF (or at once without stdin). Returns a stop function. */
function pumpInput(opts: StreamerOptions, restore: () => void, resolve: (end: StreamEnd) => void): () => void {
  const { socket, stdin } = opts;
  if (!stdin) {
    socket.end();
    resolve('done');
    return () => {};
  }
  const matcher = opts.tty ? new DetachMatcher(effectiveDetachKeys(opts.detachKeys, opts.warn)) : undefined;
  const onData = (chunk: Buffer | string) => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const { forward, detached } = matcher ? matcher.push(buf) : { forward: buf, detached: false };
    if (forward.length && socket.writable) socket.write(forward);
    if (detached) {
      stop();
      restore();
      resolve('detached');
    }
  };
  const onEnd = () => {
    stop();
    restore();
    if (socket.writable) socket.end();
    resolve('done');
  };
  const stop = () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.off('error', onEnd);
    stdin.pause();
  };
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.once('error', onEnd);
  stdin.resume();
  return stop;
}
