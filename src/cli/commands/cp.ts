/**
 * `wharf cp` / `wharf container cp`: copy files between a container and the local filesystem
 * (or a tar stream on stdin/stdout with `-`), with docker cp's path semantics.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { GO_MODE_DIR, GO_MODE_SYMLINK } from '../../client/container-archive-api.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import type { CopyInfo } from '../containers/copy-paths.js';

interface CpFlags {
  followLink?: boolean;
  archive?: boolean;
  quiet?: boolean;
}

/** Go's os.FileMode device and irregular bits (ValidateOutputPathFileMode). */
const GO_MODE_DEVICE = 0x4000000;
const GO_MODE_IRREGULAR = 0x80000;

/** command.ValidateOutputPath for a local destination. */
async function validateOutputPath(p: string): Promise<void> {
  const dir = path.dirname(path.normalize(p));
  if (dir !== '.' && (await stat(dir).catch(() => undefined)) === undefined) {
    throw new CliError(`invalid output path: directory ${JSON.stringify(dir)} does not exist`);
  }
  const st = await stat(p).catch(() => undefined);
  if (st && !st.isDirectory() && !st.isFile()) {
    const why = st.isCharacterDevice() || st.isBlockDevice() ? 'got a device' : 'got an irregular file';
    throw new CliError(`invalid output path: ${JSON.stringify(p)} must be a directory or a regular file: ${why}`);
  }
}

/** Counts bytes passing through, for "Successfully copied N to …". */
function counted(source: Readable, onBytes: (n: number) => void): Readable {
  source.on('data', (b: Buffer) => onBytes(b.length));
  return source;
}

async function copyFromContainer(ctx: CliContext, container: string, srcPath: string, dst: string, flags: CpFlags): Promise<void> {
  const paths = await import('../containers/copy-paths.js');
  const tars = await import('../containers/copy-archive.js');
  const dstPath = dst === '-' ? dst : paths.resolveLocalPath(dst);
  await validateOutputPath(dstPath);
  const client = ctx.client();
  let src = srcPath;
  let rebaseName: string | undefined;
  if (flags.followLink) {
    const st = await client.archive.stat(container, src).catch(() => undefined);
    if (st && (st.mode & GO_MODE_SYMLINK) !== 0) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = path.posix.join(paths.splitPathDirEntry(src)[0], target);
      [src, rebaseName] = paths.getRebaseName(src, target);
    }
  }
  const { content, stat: srcStat } = await client.archive.get(container, src);
  if (dstPath === '-') return tars.copyTo(content, ctx.io.stdout);
  let copied = 0;
  let archive: Readable = flags.quiet ? content : counted(content, (n) => (copied += n));
  const srcInfo: CopyInfo = { path: src, exists: true, isDir: (srcStat.mode & GO_MODE_DIR) !== 0, rebaseName };
  if (rebaseName) archive = tars.rebaseArchive(archive, paths.splitPathDirEntry(src)[1], rebaseName);
  const dstInfo = await paths.copyInfoDestinationPath(dstPath).catch((e: Error) => {
    throw new CliError(e.message, { cause: e });
  });
  const plan = (() => {
    try {
      return paths.prepareArchiveCopy(srcInfo, dstInfo);
    } catch (e) {
      throw new CliError((e as Error).message, { cause: e });
    }
  })();
  if (plan.rename) archive = tars.rebaseArchive(archive, plan.rename[0], plan.rename[1]);
  await tars.untarInto(archive, plan.dstDir);
  if (!flags.quiet) ctx.err(`Successfully copied ${await humanBytes(copied)} to ${dstPath}\n`);
}

async function humanBytes(n: number): Promise<string> {
  const { humanSizeWithPrecision } = await import('../format/units.js');
  return humanSizeWithPrecision(n, 3);
}

async function copyToContainer(ctx: CliContext, container: string, src: string, dstPath: string, flags: CpFlags): Promise<void> {
  const paths = await import('../containers/copy-paths.js');
  const tars = await import('../containers/copy-archive.js');
  const srcPath = src === '-' ? src : paths.resolveLocalPath(src);
  const client = ctx.client();
  const dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false };
  let dstStat = await client.archive.stat(container, dstPath).catch(() => undefined);
  if (dstStat && (dstStat.mode & GO_MODE_SYMLINK) !== 0) {
    let target = dstStat.linkTarget;
    if (!target.startsWith('/')) target = path.posix.join(paths.splitPathDirEntry(dstPath)[0], target);
    dstInfo.path = target;
    dstStat = await client.archive.stat(container, target).catch(() => undefined);
  }
  if (dstStat && (dstStat.mode & (GO_MODE_DEVICE | GO_MODE_IRREGULAR)) !== 0) {
    const why = dstStat.mode & GO_MODE_DEVICE ? 'got a device' : 'got an irregular file';
    throw new CliError(`destination "${container}:${dstPath}" must be a directory or a regular file: ${why}`);
  }
  if (dstStat) Object.assign(dstInfo, { exists: true, isDir: (dstStat.mode & GO_MODE_DIR) !== 0 });
  let content: Readable;
  let resolvedDst: string;
  let copied = 0;
  if (srcPath === '-') {
    if (!dstInfo.isDir) throw new CliError(`destination "${container}:${dstPath}" must be a directory`);
    content = ctx.io.stdin;
    resolvedDst = dstInfo.path;
  } else {
    let plan: ReturnType<typeof paths.prepareArchiveCopy>;
    let srcInfo: CopyInfo;
    try {
      srcInfo = await paths.copyInfoSourcePath(srcPath, Boolean(flags.followLink));
      plan = paths.prepareArchiveCopy(srcInfo, dstInfo);
    } catch (e) {
      throw new CliError((e as Error).message, { cause: e });
    }
    content = tars.tarResource(srcInfo);
    if (plan.rename) content = tars.rebaseArchive(content, plan.rename[0], plan.rename[1]);
    if (!flags.quiet) content = counted(content, (n) => (copied += n));
    resolvedDst = plan.dstDir;
  }
  await client.archive.put(container, resolvedDst, content, { copyUIDGID: flags.archive });
  if (!flags.quiet && srcPath !== '-') ctx.err(`Successfully copied ${await humanBytes(copied)} to ${container}:${dstInfo.path}\n`);
}

async function runCp(ctx: CliContext, [source, destination]: string[], flags: CpFlags): Promise<void> {
  if (source === '') throw new CliError('source can not be empty');
  if (destination === '') throw new CliError('destination can not be empty');
  const { splitCpArg } = await import('../containers/copy-paths.js');
  const src = splitCpArg(source);
  const dst = splitCpArg(destination);
  // Off a terminal there is no progress output unless asked for.
  const opts = { ...flags, quiet: flags.quiet ?? !ctx.stdoutIsTTY };
  if (src.container && dst.container) throw new CliError('copying between containers is not supported');
  if (src.container) return copyFromContainer(ctx, src.container, src.path, dst.path, opts);
  if (dst.container) return copyToContainer(ctx, dst.container, src.path, dst.path, opts);
  throw new CliError('must specify at least one container source');
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand<CpFlags>(
    parent,
    {
      name: 'cp',
      usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\twharf cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
      description: 'Copy files/folders between a container and the local filesystem',
      args: { exactly: 2 },
    },
    (args, flags) => runCp(ctx, args, flags),
  )
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .option('-q, --quiet', 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
