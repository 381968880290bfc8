/** `wharf save`: write images to a tar archive (stdout, never a terminal, or -o FILE). */
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { errnoCode } from '../../errdefs/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, managementCommand } from '../command-kit.js';

/** docker's ValidateOutputPath: the directory must exist, and the path must not be one. */
async function validateOutputPath(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  try {
    await stat(dir);
  } catch (e) {
    const why = errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    throw new CliError(`failed to save image: invalid output path: stat ${dir}: ${why}`, { cause: e });
  }
  const st = await stat(file).catch(() => null);
  if (st?.isDirectory()) throw new CliError(`failed to save image: invalid output path: ${JSON.stringify(file)} must be a file`);
}

async function runSave(ctx: CliContext, images: string[], output: string | undefined): Promise<void> {
  if (!output && ctx.stdoutIsTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  if (output) await validateOutputPath(output);
  const res = await ctx.client().images.save(images);
  if (!output) {
    await pipeline(res, ctx.io.stdout, { end: false });
    return;
  }
  // Like docker's CopyToFile: write a temp file beside the target, then rename it into place,
  // so an interrupted save never leaves a truncated archive under the real name.
  const { fsyncDir, tempPathFor } = await import('../../lib/atomic-write.js');
  const tmp = tempPathFor(output);
  try {
    await pipeline(res, createWriteStream(tmp));
    await rename(tmp, output);
    await fsyncDir(path.dirname(path.resolve(output)));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function declare(parent: Command, name: string, ctx: CliContext): void {
  defineCommand<{ output?: string }>(
    parent,
    { name, usage: '[OPTIONS] IMAGE [IMAGE...]', description: 'Save one or more images to a tar archive (streamed to STDOUT by default)', args: { min: 1 } },
    (args, opts) => runSave(ctx, args, opts.output),
  ).option('-o, --output <string>', 'Write to a file, instead of STDOUT');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'save', ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'save', ctx);
}
