/** `wharf pause` / `wharf unpause` (and under `container`): freeze and thaw all processes of containers. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { forEachContainer } from '../containers/for-each-container.js';

function declare(parent: Command, ctx: CliContext, action: 'pause' | 'unpause'): void {
  const description = action === 'pause' ? 'Pause all processes within one or more containers' : 'Unpause all processes within one or more containers';
  defineCommand(parent, { name: action, usage: 'CONTAINER [CONTAINER...]', description, args: { min: 1 } }, (names) =>
    forEachContainer(ctx, names, (name) => ctx.client().containers[action](name), { parallel: true }),
  );
}

export function register(program: Command, ctx: CliContext): void {
  for (const action of ['pause', 'unpause'] as const) {
    declare(program, ctx, action);
    declare(containerCommand(program), ctx, action);
  }
}
