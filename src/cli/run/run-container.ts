/**
 * `wharf run`: docker's runContainer sequence — create (pulling a missing image), attach
 * (hijacked, unless -d), wait (`removed` with --rm, else `next-exit`; its 200 headers before
 * start), start, resize with -t, stream I/O, and exit with the container's status.
 */
import type { PendingWait } from '../../client/containers-api.js';
import type { ContainerCreateRequest } from '../../spec/engine/types.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { forwardSignals } from '../tty/signal-proxy.js';
import { monitorTtySize, type TerminalOutput } from '../tty/terminal.js';
import { type AttachSession, attachStreams } from './attach-streams.js';
import { createContainer, type CreateOptions } from './create-container.js';
import { checkTty, exitStatus, reportedError, startErrorExitCode } from './run-errors.js';

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  sigProxy: boolean;
  detachKeys?: string;
  autoRemove: boolean;
  /** `-a` was given (conflicts with -d). */
  attachGiven: boolean;
}

interface Config {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  StdinOnce?: boolean;
  Tty?: boolean;
}

/** Runs a container from a parsed create body. Throws CliErrors carrying docker's exit statuses. */
export async function runContainer(ctx: CliContext, body: ContainerCreateRequest, opts: RunOptions): Promise<void> {
  const config = body as Config;
  if (!opts.detach) checkTty(Boolean(config.AttachStdin), Boolean(config.Tty), ctx.stdinIsTTY);
  else {
    if (opts.attachGiven) throw new CliError('conflicting options: cannot specify both --attach and --detach');
    Object.assign(config, { AttachStdin: false, AttachStdout: false, AttachStderr: false, StdinOnce: false });
  }
  let id: string;
  try {
    id = await createContainer(ctx, body, opts);
  } catch (e) {
    throw reportedError('run', e, startErrorExitCode(e));
  }
  const client = ctx.client();
  const stopSignals = opts.sigProxy ? forwardSignals((sig) => client.containers.kill(id, sig)) : () => {};
  let session: AttachSession | undefined;
  let wait: PendingWait | undefined;
  let stopResize = () => {};
  try {
    const attached = Boolean(config.AttachStdout || config.AttachStderr);
    if (!attached) ctx.out(`${id}\n`);
    if (config.AttachStdin || attached) {
      const streams = { stdin: Boolean(config.AttachStdin), stdout: Boolean(config.AttachStdout), stderr: Boolean(config.AttachStderr) };
      session = await attachStreams(ctx, id, { ...streams, tty: Boolean(config.Tty), detachKeys: opts.detachKeys, ttyStderrToStdout: true });
    }
    try {
      wait = await client.containers.wait(id, opts.autoRemove ? 'removed' : 'next-exit');
    } catch {
      // docker logs this and carries on; the exit status is then 125.
    }
    try {
      await client.containers.start(id);
    } catch (e) {
      if (session) {
        session.conn.socket.destroy();
        await session.done.catch(() => {});
      }
      if (opts.autoRemove) await wait?.result.catch(() => {});
      throw reportedError('run', e, startErrorExitCode(e));
    }
    const out = ctx.io.stdout as TerminalOutput;
    if (session && config.Tty && out.isTTY) {
      stopResize = monitorTtySize(out, (h, w) => client.containers.resize(id, h, w), () => ctx.err('failed to resize tty, using default size\n'));
    }
    if (session) {
      const end = await session.done;
      // The detach keys: the container keeps running, and we exit quietly with 0.
      if (end === 'detached') return;
    }
    if (!attached) return;
    const status = wait ? await wait.result.then((r) => (r.Error?.Message ? 125 : r.StatusCode), () => 125) : 125;
    if (status !== 0) throw exitStatus(status);
  } finally {
    stopResize();
    stopSignals();
    session?.conn.socket.destroy();
    wait?.cancel();
  }
}
