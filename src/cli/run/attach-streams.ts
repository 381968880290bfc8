/** Attaching our stdio to a container: the hijacked attach request plus the streamer over it. */
import type { HijackedConnection } from '../../client/http-transport.js';
import type { CliContext } from '../cli-context.js';
import { type StreamEnd, streamHijacked } from '../tty/hijacked-streamer.js';
import type { TerminalInput } from '../tty/terminal.js';

export interface AttachRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  detachKeys?: string;
  /** Where the container's stderr goes with a TTY: docker's run sends it to stdout, start and attach to stderr. */
  ttyStderrToStdout?: boolean;
}

/** An attached session: the connection, and the promise of how it ends. */
export interface AttachSession {
  conn: HijackedConnection;
  done: Promise<StreamEnd>;
}

/** `POST /containers/{id}/attach` and streaming over it (which starts at once). */
export async function attachStreams(ctx: CliContext, id: string, req: AttachRequest): Promise<AttachSession> {
  const conn = await ctx.client().containers.attach(id, { stream: true, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, detachKeys: req.detachKeys });
  const errOut = req.tty && req.ttyStderrToStdout ? ctx.io.stdout : ctx.io.stderr;
  const done = streamHijacked({
    socket: conn.socket,
    tty: req.tty,
    stdin: req.stdin ? (ctx.io.stdin as TerminalInput) : undefined,
    stdout: req.stdout ? ctx.io.stdout : undefined,
    stderr: req.stderr ? errOut : undefined,
    detachKeys: req.detachKeys,
    warn: (m) => ctx.err(`${m}\n`),
  });
  // Whoever awaits it handles a failure; never an unhandled rejection in between.
  done.catch(() => {});
  return { conn, done };
}
