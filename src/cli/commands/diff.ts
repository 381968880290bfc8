/** `wharf diff` / `wharf container diff`: files added (A), changed (C) or deleted (D) in a container. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

const KIND = ['C', 'A', 'D'];

async function runDiff(ctx: CliContext, container: string): Promise<void> {
  const changes = (await ctx.client().containers.changes(container)) ?? [];
  ctx.out(changes.map((c) => `${KIND[c.Kind] ?? ''} ${c.Path}\n`).join(''));
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand(
    parent,
    { name: 'diff', usage: 'CONTAINER', description: "Inspect changes to files or directories on a container's filesystem", args: { exactly: 1 } },
    (args) => runDiff(ctx, args[0]),
  );
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
