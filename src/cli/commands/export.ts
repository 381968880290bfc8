/** `wharf export` / `wharf container export`: a container's filesystem as a tar archive. */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

/** command.ValidateOutputPath, in docker 28's words. */
async function validateOutputPath(file: string): Promise<void> {
  const dir = path.dirname(path.normalize(file));
  if (dir === '' || dir === '.') return;
  try {
    await stat(dir);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    throw new Error(`invalid output path: stat ${dir}: ${why}`);
  }
}

async function runExport(ctx: CliContext, container: string, output: string | undefined): Promise<void> {
  if (!output && ctx.stdoutIsTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  if (output) {
    try {
      await validateOutputPath(output);
    } catch (e) {
      throw new CliError(`failed to export container: ${(e as Error).message}`);
    }
  }
  const res = await ctx.client().containers.export(container);
  if (!output) {
    for await (const chunk of res) ctx.io.stdout.write(chunk as Buffer);
    return;
  }
  await pipeline(res, createWriteStream(output));
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand<{ output?: string }>(
    parent,
    { name: 'export', usage: '[OPTIONS] CONTAINER', description: "Export a container's filesystem as a tar archive", args: { exactly: 1 } },
    (args, flags) => runExport(ctx, args[0], flags.output),
  ).option('-o, --output <string>', 'Write to a file, instead of STDOUT');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
