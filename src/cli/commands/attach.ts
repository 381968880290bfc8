/** `wharf attach` / `wharf container attach`: connect our stdio to a running container. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { addDefaultTrueFlag, defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

interface AttachFlags {
  stdin: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

/** inspectContainerAndCheckState: attaching needs a running, unpaused container. */
async function checkedInspect(ctx: CliContext, name: string) {
  const { CliError } = await import('../cli-error.js');
  const c = await ctx.client().containers.inspect(name);
  if (!c.State?.Running) throw new CliError('You cannot attach to a stopped container, start it first');
  if (c.State.Paused) throw new CliError('You cannot attach to a paused container, unpause it first');
  if (c.State.Restarting) throw new CliError('You cannot attach to a restarting container, wait until it is running');
  return c;
}

async function runAttach(ctx: CliContext, name: string, flags: AttachFlags): Promise<void> {
  const { attachStreams } = await import('../run/attach-streams.js');
  const { checkTty, exitStatus } = await import('../run/run-errors.js');
  const { forwardSignals } = await import('../tty/signal-proxy.js');
  const { monitorTtySize } = await import('../tty/terminal.js');
  const { CliError } = await import('../cli-error.js');
  const client = ctx.client();
  // Asked first, so an exit right after attaching is not missed.
  const wait = await client.containers.wait(name).catch((e: unknown) => e as Error);
  try {
    const c = await checkedInspect(ctx, name);
    const tty = Boolean(c.Config?.Tty);
    checkTty(flags.stdin, tty, ctx.stdinIsTTY);
    const stopSignals = flags.sigProxy && !tty ? forwardSignals((sig) => client.containers.kill(name, sig)) : () => {};
    let stopResize = () => {};
    const session = await attachStreams(ctx, name, { stdin: flags.stdin && Boolean(c.Config?.OpenStdin), stdout: true, stderr: true, tty, detachKeys: flags.detachKeys });
    try {
      await checkedInspect(ctx, name);
      if (tty && ctx.stdoutIsTTY) {
        const out = ctx.io.stdout as { rows?: number; columns?: number };
        // docker resizes to one more than the window first, so the shell redraws its prompt.
        await client.containers.resize(name, (out.rows ?? 0) + 1, (out.columns ?? 0) + 1).catch(() => {});
        stopResize = monitorTtySize(ctx.io.stdout, (h, w) => client.containers.resize(name, h, w), () => {});
      }
      if ((await session.done) === 'detached') throw new CliError('read escape sequence');
    } finally {
      stopResize();
      stopSignals();
      session.conn.socket.destroy();
    }
    if (wait instanceof Error) throw wait;
    const r = await wait.result;
    if (r.Error?.Message) throw new CliError(r.Error.Message);
    if (r.StatusCode !== 0) throw exitStatus(r.StatusCode);
  } finally {
    if (!(wait instanceof Error)) wait.cancel();
  }
}

function declare(parent: Command, ctx: CliContext): void {
  const cmd = defineCommand<AttachFlags>(
    parent,
    { name: 'attach', usage: '[OPTIONS] CONTAINER', description: 'Attach local standard input, output, and error streams to a running container', args: { exactly: 1 } },
    (args, flags) => runAttach(ctx, args[0], flags),
  );
  cmd.option('--detach-keys <string>', 'Override the key sequence for detaching a container');
  cmd.option('--no-stdin', 'Do not attach STDIN');
  addDefaultTrueFlag(cmd, '--sig-proxy', 'Proxy all received signals to the process');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
