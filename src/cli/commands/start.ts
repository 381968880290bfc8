/** `wharf start` / `wharf container start`: start stopped containers, optionally attached (-a, -i). */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

interface StartFlags {
  attach?: boolean;
  interactive?: boolean;
  detachKeys?: string;
}

/** docker's RunStart with -a/-i: attach, wait, start, stream, and exit with the container's status. */
async function startAttached(ctx: CliContext, name: string, flags: StartFlags): Promise<void> {
  const { attachStreams } = await import('../run/attach-streams.js');
  const { exitStatus } = await import('../run/run-errors.js');
  const { forwardSignals } = await import('../tty/signal-proxy.js');
  const { monitorTtySize } = await import('../tty/terminal.js');
  const client = ctx.client();
  const c = await client.containers.inspect(name);
  const id = c.Id ?? name;
  const tty = Boolean(c.Config?.Tty);
  const stopSignals = tty ? () => {} : forwardSignals((sig) => client.containers.kill(id, sig));
  const session = await attachStreams(ctx, id, {
    stdin: Boolean(flags.interactive && c.Config?.OpenStdin),
    stdout: true,
    stderr: true,
    tty,
    detachKeys: flags.detachKeys,
  });
  const wait = await client.containers.wait(id, c.HostConfig?.AutoRemove ? 'removed' : 'next-exit').catch(() => undefined);
  let stopResize = () => {};
  try {
    try {
      await client.containers.start(id);
    } catch (e) {
      session.conn.socket.destroy();
      await session.done.catch(() => {});
      if (c.HostConfig?.AutoRemove) await wait?.result.catch(() => {});
      throw e;
    }
    if (tty && ctx.stdoutIsTTY) {
      stopResize = monitorTtySize(ctx.io.stdout, (h, w) => client.containers.resize(id, h, w), () => ctx.err('failed to resize tty, using default size\n'));
    }
    if ((await session.done) === 'detached') return;
    const status = wait ? await wait.result.then((r) => (r.Error?.Message ? 125 : r.StatusCode), () => 125) : 125;
    if (status !== 0) throw exitStatus(status);
  } finally {
    stopResize();
    stopSignals();
    session.conn.socket.destroy();
    wait?.cancel();
  }
}

async function runStart(ctx: CliContext, names: string[], flags: StartFlags): Promise<void> {
  if (flags.attach || flags.interactive) {
    if (names.length > 1) throw new CliError('you cannot start and attach multiple containers at once');
    return startAttached(ctx, names[0], flags);
  }
  const failed: string[] = [];
  for (const name of names) {
    try {
      await ctx.client().containers.start(name);
      ctx.out(`${name}\n`);
    } catch (e) {
      ctx.err(`${errorText(e)}\n`);
      failed.push(name);
    }
  }
  if (failed.length) throw new CliError(`Error: failed to start containers: ${failed.join(', ')}`);
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand<StartFlags>(
    parent,
    { name: 'start', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Start one or more stopped containers', args: { min: 1 } },
    (names, flags) => runStart(ctx, names, flags),
  )
    .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-i, --interactive', "Attach container's STDIN");
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
