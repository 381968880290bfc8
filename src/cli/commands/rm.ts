/** `wharf rm` / `wharf container rm`: remove containers, in parallel like docker. */
import type { Command } from 'commander';
import { isKind } from '../../errdefs/index.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { forEachContainer } from '../containers/for-each-container.js';

interface RmFlags {
  force?: boolean;
  link?: boolean;
  volumes?: boolean;
}

async function remove(ctx: CliContext, name: string, flags: RmFlags): Promise<void> {
  const id = name.replace(/^\/+|\/+$/g, '');
  if (id === '') throw new Error('Container name cannot be empty');
  await ctx.client().containers.remove(id, { force: flags.force, link: flags.link, volumes: flags.volumes });
}

function declare(parent: Command, ctx: CliContext, name: string, aliases: string[]): void {
  defineCommand<RmFlags>(
    parent,
    { name, aliases, usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Remove one or more containers', args: { min: 1 } },
    (names, flags) =>
      forEachContainer(ctx, names, (n) => remove(ctx, n, flags), {
        parallel: true,
        // With -f a container that is already gone is reported but is no failure.
        tolerate: (e) => Boolean(flags.force) && isKind(e, 'NotFound'),
      }),
  )
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-l, --link', 'Remove the specified link')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx, 'rm', []);
  declare(containerCommand(program), ctx, 'rm', ['remove']);
}
