/** `wharf top` / `wharf container top`: the processes of a container, as the daemon's `ps` shows them. */
import type { Command } from 'commander';
import { TabWriter } from '../../lib/tabwriter/tabwriter.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

async function runTop(ctx: CliContext, [container, ...psArgs]: string[]): Promise<void> {
  const top = await ctx.client().containers.top(container, psArgs.join(' '));
  let out = '';
  // docker's tabwriter.NewWriter(out, 20, 1, 3, ' ', 0).
  const w = new TabWriter({ minwidth: 20, tabwidth: 1, padding: 3, padchar: ' ' }, (s) => {
    out += s;
  });
  w.write(`${(top.Titles ?? []).join('\t')}\n`);
  for (const p of top.Processes ?? []) w.write(`${p.join('\t')}\n`);
  w.flush();
  ctx.out(out);
}

function declare(parent: Command, ctx: CliContext): void {
  const cmd = defineCommand(
    parent,
    { name: 'top', usage: 'CONTAINER [ps OPTIONS]', description: 'Display the running processes of a container', args: { min: 1 } },
    (args) => runTop(ctx, args),
  );
  // ps options (`-o pid,comm`) belong to ps, not to us.
  cmd.passThroughOptions();
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
