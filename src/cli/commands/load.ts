/** `wharf load`: load images from a tar archive (a file with -i, or stdin). */
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { errnoCode } from '../../errdefs/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, managementCommand } from '../command-kit.js';

interface LoadOptions {
  input?: string;
  quiet?: boolean;
}

async function openInput(ctx: CliContext, input: string | undefined) {
  if (!input) {
    // Nothing piped in: docker refuses rather than wait on a terminal.
    if (ctx.stdinIsTTY) throw new CliError('requested load from stdin, but stdin is empty');
    return ctx.io.stdin;
  }
  try {
    const fh = await open(input, 'r');
    return fh.createReadStream();
  } catch (e) {
    const why = errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    throw new CliError(`open ${input}: ${why}`, { cause: e });
  }
}

async function runLoad(ctx: CliContext, opts: LoadOptions): Promise<void> {
  const body = await openInput(ctx, opts.input);
  // Off a terminal docker asks for quiet output (only the "Loaded image" lines).
  const quiet = Boolean(opts.quiet) || !ctx.stdoutIsTTY;
  const res = await ctx.client().images.load(body, { quiet });
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) {
    const { readBody } = await import('../../client/http-transport.js');
    ctx.out((await readBody(res)).toString());
    return;
  }
  const { displayJSONMessages } = await import('../format/progress.js');
  await displayJSONMessages(res, { write: (s) => ctx.out(s) }, { isTerminal: ctx.stdoutIsTTY, width: () => ctx.columns() });
}

function declare(parent: Command, name: string, ctx: CliContext): void {
  defineCommand<LoadOptions>(
    parent,
    { name, usage: '[OPTIONS]', description: 'Load an image from a tar archive or STDIN', args: { none: true } },
    (_args, opts) => runLoad(ctx, opts),
  )
    .option('-i, --input <string>', 'Read from tar archive file, instead of STDIN')
    .option('-q, --quiet', 'Suppress the load output');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'load', ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'load', ctx);
}
