/** `wharf exec` / `wharf container exec`: run a command in a running container; exits with its status. */
import type { Command } from 'commander';
import type { ExecConfig } from '../../spec/engine/types.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { list } from '../run/container-flags.js';
import { checkEnv, validateEnv } from '../run/flag-validators.js';

interface ExecFlags {
  detach?: boolean;
  detachKeys?: string;
  env: string[];
  envFile: string[];
  interactive?: boolean;
  privileged?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
}

/** parseExec: the exec create body, in docker's field order. */
async function execConfig(ctx: CliContext, cmd: string[], flags: ExecFlags): Promise<ExecConfig> {
  const { readKVEnvStrings } = await import('../run/kv-files.js');
  const attach = !flags.detach;
  return {
    User: flags.user ?? '',
    Privileged: Boolean(flags.privileged),
    Tty: Boolean(flags.tty),
    AttachStdin: attach && Boolean(flags.interactive),
    AttachStderr: attach,
    AttachStdout: attach,
    Detach: false,
    DetachKeys: flags.detachKeys ?? '',
    Env: readKVEnvStrings(flags.envFile, flags.env.map((e) => validateEnv(e, ctx.io.env)), ctx.io.env) ?? undefined,
    WorkingDir: flags.workdir ?? '',
    Cmd: cmd,
  } as ExecConfig;
}

async function runExec(ctx: CliContext, [container, ...cmd]: string[], flags: ExecFlags): Promise<void> {
  const { CliError } = await import('../cli-error.js');
  const { checkTty, exitStatus } = await import('../run/run-errors.js');
  const { streamHijacked } = await import('../tty/hijacked-streamer.js');
  const { monitorTtySize } = await import('../tty/terminal.js');
  let config: ExecConfig;
  try {
    config = await execConfig(ctx, cmd, flags);
  } catch (e) {
    throw new CliError((e as Error).message, { cause: e });
  }
  // Not-found takes precedence over a TTY problem, and no exec is left behind by one.
  const client = ctx.client();
  await client.containers.inspect(container);
  if (!flags.detach) checkTty(Boolean(config.AttachStdin), Boolean(config.Tty), ctx.stdinIsTTY);
  const { Id: execId } = await client.exec.create(container, { ...config, Env: config.Env ?? (null as unknown as undefined) });
  if (!execId) throw new CliError('exec ID empty');
  if (flags.detach) return client.exec.startDetached(execId, Boolean(config.Tty));
  const tty = Boolean(config.Tty);
  const conn = await client.exec.startAttached(execId, tty);
  const done = streamHijacked({
    socket: conn.socket,
    tty,
    stdin: config.AttachStdin ? ctx.io.stdin : undefined,
    stdout: ctx.io.stdout,
    stderr: tty ? ctx.io.stdout : ctx.io.stderr,
    detachKeys: flags.detachKeys,
    warn: (m) => ctx.err(`${m}\n`),
  });
  const stopResize = tty && ctx.stdinIsTTY ? monitorTtySize(ctx.io.stdout, (h, w) => client.exec.resize(execId, h, w), () => ctx.err('failed to resize tty, using default size\n')) : () => {};
  try {
    await done;
  } finally {
    stopResize();
    conn.socket.destroy();
  }
  const { ExitCode } = await client.exec.inspect(execId);
  if (ExitCode) throw exitStatus(ExitCode);
}

function declare(parent: Command, ctx: CliContext): void {
  const cmd = defineCommand<ExecFlags>(
    parent,
    { name: 'exec', usage: '[OPTIONS] CONTAINER COMMAND [ARG...]', description: 'Execute a command in a running container', args: { min: 2 } },
    (args, flags) => runExec(ctx, args, flags),
  );
  cmd.passThroughOptions();
  cmd
    .option('-d, --detach', 'Detached mode: run command in the background')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .addOption(list('-e, --env <list>', 'Set environment variables', checkEnv))
    .addOption(list('--env-file <list>', 'Read in a file of environment variables'))
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('--privileged', 'Give extended privileges to the command')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-u, --user <string>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
    .option('-w, --workdir <string>', 'Working directory inside the container');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
