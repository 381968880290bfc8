/** `wharf tag` / `wharf image tag`: the CLI validates and normalizes the target like docker. */
import type { Command } from 'commander';
import type { NamedReference } from '../../spec/reference.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, managementCommand } from '../command-kit.js';

async function runTag(ctx: CliContext, source: string, target: string): Promise<void> {
  const { parseAnyReference, parseNormalizedNamed, repositoryName } = await import('../../spec/reference.js');
  const badRef = (s: string, e: unknown) => new CliError(`Error parsing reference: "${s}" is not a valid repository/tag: ${(e as Error).message}`, { cause: e });
  try {
    parseAnyReference(source);
  } catch (e) {
    throw badRef(source, e);
  }
  let ref: NamedReference;
  try {
    ref = parseNormalizedNamed(target);
  } catch (e) {
    throw badRef(target, e);
  }
  if (ref.digest) throw new CliError('refusing to create a tag with a digest reference');
  await ctx.client().images.tag(source, repositoryName(ref), ref.tag ?? 'latest');
}

function declare(parent: Command, name: string, ctx: CliContext): void {
  defineCommand(
    parent,
    { name, usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]', description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', args: { exactly: 2 } },
    (args) => runTag(ctx, args[0], args[1]),
  );
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'tag', ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'tag', ctx);
}
