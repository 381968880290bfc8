/** `wharf wait` / `wharf container wait`: block until containers stop, then print their exit codes. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

async function runWait(ctx: CliContext, names: string[]): Promise<void> {
  const errors: string[] = [];
  for (const name of names) {
    try {
      const pending = await ctx.client().containers.wait(name);
      const r = await pending.result;
      ctx.out(`${r.StatusCode}\n`);
    } catch (e) {
      errors.push(errorText(e));
    }
  }
  if (errors.length) throw new CliError(errors.join('\n'));
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand(
    parent,
    { name: 'wait', usage: 'CONTAINER [CONTAINER...]', description: 'Block until one or more containers stop, then print their exit codes', args: { min: 1 } },
    (names) => runWait(ctx, names),
  );
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
