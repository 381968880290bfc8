/** `wharf push` / `wharf image push`: upload an image to a registry, like `docker push`. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, managementCommand } from '../command-kit.js';

interface PushOptions {
  allTags?: boolean;
  quiet?: boolean;
}

async function runPush(ctx: CliContext, name: string, opts: PushOptions): Promise<void> {
  const { familiarName, isNameOnly, parseNormalizedNamed, referenceString, tagNameOnly } = await import('../../spec/reference.js');
  const { registryAuthFor } = await import('../auth/registry-auth.js');
  let ref = parseNormalizedNamed(name);
  if (ref.digest) throw new CliError('cannot push a digest reference');
  if (opts.allTags && !isNameOnly(ref)) throw new CliError("tag can't be used with --all-tags/-a");
  if (!opts.allTags && isNameOnly(ref)) {
    ref = tagNameOnly(ref);
    if (!opts.quiet) ctx.out(`Using default tag: ${ref.tag}\n`);
  }
  const registryAuth = await registryAuthFor(ctx.io.env, ref.domain);
  const res = await ctx.client().distribution.push(familiarName(ref), { tag: opts.allTags ? undefined : ref.tag, registryAuth });
  const { displayJSONMessages } = await import('../format/progress.js');
  const sink = { write: (s: string) => (opts.quiet ? undefined : ctx.out(s)) };
  await displayJSONMessages(res, sink, { isTerminal: ctx.stdoutIsTTY && !opts.quiet, width: () => ctx.columns() });
  if (opts.quiet) ctx.out(`${referenceString(ref)}\n`);
}

function declare(parent: Command, name: string, ctx: CliContext): void {
  defineCommand<PushOptions>(
    parent,
    { name, usage: '[OPTIONS] NAME[:TAG]', description: 'Upload an image to a registry', args: { exactly: 1 } },
    (args, opts) => runPush(ctx, args[0]!, opts),
  )
    .option('-a, --all-tags', 'Push all tags of an image to the repository')
    .option('--disable-content-trust', 'Skip image signing (default true)')
    .option('-q, --quiet', 'Suppress verbose output');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'push', ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'push', ctx);
}
