/** `wharf run` / `wharf container run`: create and run a container, like `docker run`. */
import { type Command, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { addDefaultTrueFlag, defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { addContainerFlags, type ContainerFlags } from '../run/container-flags.js';

interface RunFlags extends ContainerFlags {
  detach?: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

async function runRun(ctx: CliContext, args: string[], flags: RunFlags): Promise<void> {
  const { buildCreateBody } = await import('../run/create-config.js');
  const { validatePullOpt } = await import('../run/create-container.js');
  const { reportedError } = await import('../run/run-errors.js');
  const { runContainer } = await import('../run/run-container.js');
  const { ttySize } = await import('../tty/terminal.js');
  let body: ReturnType<typeof buildCreateBody>;
  try {
    validatePullOpt(flags.pull);
    body = buildCreateBody({ flags, image: args[0], args: args.slice(1), consoleSize: ttySize(ctx.io.stdout), env: ctx.io.env });
  } catch (e) {
    throw reportedError('run', e);
  }
  await runContainer(ctx, body, {
    name: flags.name,
    platform: flags.platform,
    pull: flags.pull,
    quiet: flags.quiet,
    detach: flags.detach,
    sigProxy: flags.sigProxy,
    detachKeys: flags.detachKeys,
    autoRemove: Boolean(flags.rm),
    attachGiven: flags.attach.length > 0,
  });
}

/** Declares `run` under `parent` (the program or `container`). */
export function declareRun(parent: Command, ctx: CliContext): Command {
  const cmd = defineCommand<RunFlags>(
    parent,
    { name: 'run', usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]', description: 'Create and run a new container from an image', args: { min: 1 } },
    (args, flags) => runRun(ctx, args, flags),
  );
  // Everything after the image is the container's command, flags included (SetInterspersed(false)).
  cmd.passThroughOptions();
  cmd.addOption(new Option('-d, --detach', 'Run container in background and print container ID'));
  cmd.addOption(new Option('--detach-keys <string>', 'Override the key sequence for detaching a container'));
  addDefaultTrueFlag(cmd, '--sig-proxy', 'Proxy received signals to the process');
  addContainerFlags(cmd);
  return cmd;
}

export function register(program: Command, ctx: CliContext): void {
  declareRun(program, ctx);
  declareRun(containerCommand(program), ctx);
}

