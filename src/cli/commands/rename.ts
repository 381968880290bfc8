/** `wharf rename` / `wharf container rename`: rename a container. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

async function runRename(ctx: CliContext, [from, to]: string[]): Promise<void> {
  const oldName = from.trim();
  const newName = to.trim();
  if (oldName === '' || newName === '') throw new CliError('Error: Neither old nor new names may be empty');
  try {
    await ctx.client().containers.rename(oldName, newName);
  } catch (e) {
    ctx.err(`${errorText(e)}\n`);
    throw new CliError(`Error: failed to rename container named ${oldName}`, { cause: e });
  }
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand(parent, { name: 'rename', usage: 'CONTAINER NEW_NAME', description: 'Rename a container', args: { exactly: 2 } }, (args) =>
    runRename(ctx, args),
  );
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
