/** `wharf import`: create an image from a tarball (a file, `-` for stdin, or a URL). */
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { errnoCode } from '../../errdefs/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, managementCommand, repeatable } from '../command-kit.js';

interface ImportOptions {
  change: string[];
  message?: string;
  platform?: string;
}

async function openSource(ctx: CliContext, source: string) {
  if (source === '-') return { body: ctx.io.stdin, fromSrc: '-' };
  if (/^https?:\/\//.test(source)) return { body: undefined, fromSrc: source };
  try {
    // Open first so a missing file fails before anything is sent (docker: "open x: no such file…").
    const fh = await open(source, 'r');
    return { body: fh.createReadStream(), fromSrc: '-' };
  } catch (e) {
    const why = errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    throw new CliError(`open ${source}: ${why}`, { cause: e });
  }
}

async function runImport(ctx: CliContext, args: string[], opts: ImportOptions): Promise<void> {
  const [source, ref] = args;
  if (ref) (await import('../../spec/reference.js')).parseNormalizedNamed(ref);
  const { displayJSONMessages } = await import('../format/progress.js');
  const { body, fromSrc } = await openSource(ctx, source);
  const res = await ctx.client().images.import(body, {
    repo: ref,
    changes: opts.change,
    message: opts.message,
    platform: opts.platform,
    fromSrc,
  });
  await displayJSONMessages(res, { write: (s) => ctx.out(s) }, { isTerminal: ctx.stdoutIsTTY, width: () => ctx.columns() });
}

function declare(parent: Command, name: string, ctx: CliContext): void {
  defineCommand<ImportOptions>(
    parent,
    { name, usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]', description: 'Import the contents from a tarball to create a filesystem image', args: { min: 1, max: 2 } },
    (args, opts) => runImport(ctx, args, opts),
  )
    .addOption(repeatable('-c, --change <list>', 'Apply Dockerfile instruction to the created image'))
    .option('-m, --message <string>', 'Set commit message for imported image')
    .option('--platform <string>', 'Set platform if server is multi-platform capable');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'import', ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'import', ctx);
}
