import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { contextFromReader, isArchive, type PackedContext, packContext } from '../../builder/context/index.js';
import { errnoCode } from '../../errdefs/index.js';
import { CliError } from '../cli-error.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

async function statOrUndefined(p: string) {
  try {
    return await fs.stat(p);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** The first block of a file, to tell a tar archive from anything else. */
async function fileHead(file: string): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A directory context with `-f`: a Dockerfile inside it is named by its path there, one outside is sent along (docker/cli). */
async function directoryContext(dir: string, file: string | undefined, stdin: Readable, cwd: string): Promise<PackedContext> {
  if (file === undefined) return packContext(dir);
  if (file === '-') return packContext(dir, { dockerfileContent: await readAll(stdin) });
  const abs = path.resolve(cwd, file);
  if (!(await statOrUndefined(abs))) {
    throw new CliError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${abs}: no such file or directory`);
  }
  const rel = path.relative(path.resolve(dir), abs);
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return packContext(dir, { dockerfile: rel.split(path.sep).join('/') });
  return packContext(dir, { dockerfileContent: await fs.readFile(abs) });
}

/**
 * The context `wharf build` sends: a directory (tarred here, honouring its .dockerignore), `-`
 * (stdin: a context archive, or a bare Dockerfile), or a tar archive file. `-f` names the
 * Dockerfile: relative to the working directory for a directory context (sent separately when
 * it lies outside the context), inside the archive otherwise; `-f -` reads it from stdin.
 */
export async function prepareContext(arg: string, file: string | undefined, stdin: Readable, cwd = process.cwd()): Promise<PackedContext> {
  if (arg === '-') {
    if (file === '-') throw new CliError("invalid argument: can't use stdin for both build context and dockerfile");
    return contextFromReader(stdin, file);
  }
  const st = await statOrUndefined(arg);
  if (!st) throw new CliError(`unable to prepare context: path ${JSON.stringify(arg)} not found`);
  if (st.isDirectory()) return directoryContext(arg, file, stdin, cwd);
  if (!isArchive(await fileHead(arg))) throw new CliError(`unable to prepare context: ${arg} is neither a directory nor a tar archive`);
  if (file === '-') throw new CliError('unable to prepare context: -f - needs a directory context');
  return { tar: createReadStream(arg), dockerfile: file ?? 'Dockerfile' };
}
