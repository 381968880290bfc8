/** `wharf stop` / `wharf container stop`: stop running containers (SIGTERM, then SIGKILL after the timeout). */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { forEachContainer } from '../containers/for-each-container.js';
import { goParseInt } from '../run/go-parse.js';

interface StopFlags {
  signal?: string;
  timeout?: number;
  time?: number;
}

/** `-t/--timeout` (and the deprecated `--time`): Go int parsing with docker's flag error. */
export function timeoutOptions(): Option[] {
  const parse = (v: string) => {
    try {
      return goParseInt(v, 0, 64);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
  return [
    new Option('-s, --signal <string>', 'Signal to send to the container'),
    new Option('-t, --timeout <int>', 'Seconds to wait before killing the container').argParser(parse),
    new Option('--time <int>').argParser(parse).hideHelp(),
  ];
}

async function runStop(ctx: CliContext, names: string[], flags: StopFlags): Promise<void> {
  const timeout = flags.timeout ?? flags.time;
  await forEachContainer(ctx, names, (name) => ctx.client().containers.stop(name, { timeout, signal: flags.signal }), { parallel: true });
}

function declare(parent: Command, ctx: CliContext): void {
  const cmd = defineCommand<StopFlags>(
    parent,
    { name: 'stop', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Stop one or more running containers', args: { min: 1 } },
    (args, flags) => runStop(ctx, args, flags),
  );
  for (const o of timeoutOptions()) cmd.addOption(o);
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
