/** `wharf pull` / `wharf image pull`: pull an image from a registry, like `docker pull`. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, managementCommand } from '../command-kit.js';

interface PullOptions {
  allTags?: boolean;
  quiet?: boolean;
  platform?: string;
}

async function runPull(ctx: CliContext, name: string, opts: PullOptions): Promise<void> {
  const { isNameOnly, parseNormalizedNamed, referenceString, repositoryName, tagNameOnly } = await import('../../spec/reference.js');
  const { registryAuthFor } = await import('../auth/registry-auth.js');
  let ref = parseNormalizedNamed(name);
  if (opts.allTags && !isNameOnly(ref)) throw new CliError("tag can't be used with --all-tags/-a");
  if (!opts.allTags && isNameOnly(ref)) {
    ref = tagNameOnly(ref);
    if (!opts.quiet) ctx.out(`Using default tag: ${ref.tag}\n`);
  }
  const registryAuth = await registryAuthFor(ctx.io.env, ref.domain);
  const tag = opts.allTags ? '' : (ref.digest ?? ref.tag ?? 'latest');
  const res = await ctx.client().imagePull.pull(repositoryName(ref), tag, { platform: opts.platform || ctx.io.env.DOCKER_DEFAULT_PLATFORM, registryAuth });
  const { displayJSONMessages } = await import('../format/progress.js');
  const sink = { write: (s: string) => (opts.quiet ? undefined : ctx.out(s)) };
  await displayJSONMessages(res, sink, { isTerminal: ctx.stdoutIsTTY && !opts.quiet, width: () => ctx.columns() });
  ctx.out(`${opts.allTags ? repositoryName(ref) : referenceString(ref)}\n`);
}

function declare(parent: Command, name: string, ctx: CliContext): void {
  defineCommand<PullOptions>(
    parent,
    { name, usage: '[OPTIONS] NAME[:TAG|@DIGEST]', description: 'Download an image from a registry', args: { exactly: 1 } },
    (args, opts) => runPull(ctx, args[0]!, opts),
  )
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--disable-content-trust', 'Skip image verification (default true)')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('-q, --quiet', 'Suppress verbose output');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'pull', ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'pull', ctx);
}
