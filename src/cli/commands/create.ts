/** `wharf create` / `wharf container create`: create a container without starting it. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { addContainerFlags, type ContainerFlags } from '../run/container-flags.js';

async function runCreate(ctx: CliContext, args: string[], flags: ContainerFlags): Promise<void> {
  const { buildCreateBody } = await import('../run/create-config.js');
  const { createContainer, validatePullOpt } = await import('../run/create-container.js');
  const { reportedError } = await import('../run/run-errors.js');
  const { ttySize } = await import('../tty/terminal.js');
  let body: ReturnType<typeof buildCreateBody>;
  try {
    validatePullOpt(flags.pull);
    body = buildCreateBody({ flags, image: args[0], args: args.slice(1), consoleSize: ttySize(ctx.io.stdout), env: ctx.io.env });
  } catch (e) {
    throw reportedError('create', e);
  }
  // Unlike run, create reports daemon errors plainly (exit status 1).
  const id = await createContainer(ctx, body, { name: flags.name, platform: flags.platform, pull: flags.pull, quiet: flags.quiet });
  ctx.out(`${id}\n`);
}

function declare(parent: Command, ctx: CliContext): void {
  const cmd = defineCommand<ContainerFlags>(
    parent,
    { name: 'create', usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]', description: 'Create a new container', args: { min: 1 } },
    (args, flags) => runCreate(ctx, args, flags),
  );
  cmd.passThroughOptions();
  addContainerFlags(cmd);
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
