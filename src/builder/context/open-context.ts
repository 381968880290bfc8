/**
 * The daemon side of a build context (moby builder/remotecontext): the `POST /build` body (a tar,
 * plain, gzip or zstd; also one cut after its last entry, as the docker CLI sends it) is extracted into a private temp dir with the secure extractor, the Dockerfile
 * is located and read, and the Dockerfile / .dockerignore are removed when .dockerignore
 * excludes them (so COPY cannot see them, as in Docker).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { errnoCode, invalidArgument, notFound, toWharfError } from '../../errdefs/index.js';
import { decompressed } from '../../lib/tar/decompress.js';
import { extractArchive } from '../../lib/tar/extract-archive.js';
import { plainTree, secureJoin } from '../../lib/tar/secure-join.js';
import { PatternMatcher, readDockerignore } from './dockerignore.js';
import { goClean } from './go-path.js';
import { completeTarTail } from './tar-tail.js';

/** Options of {@link openBuildContext}. */
export interface OpenContextOptions {
  /** The `dockerfile` query parameter: the Dockerfile's path inside the context (default `Dockerfile`). */
  dockerfile?: string;
  /** Directory under which the private context dir is made (default os.tmpdir()). */
  tmpDir?: string;
}

/** An extracted build context. Call `close()` when the build is over (also on failure). */
export interface BuildContext {
  /** The context root on the host. Treat as read-only. */
  dir: string;
  /** The Dockerfile's path inside the context as found (`Dockerfile`, or `dockerfile` as a fallback). */
  dockerfileName: string;
  /** The Dockerfile's text. */
  dockerfile: string;
  /** The context's .dockerignore patterns (already applied by the client), [] without one. */
  ignore: string[];
  /** Removes the context dir. */
  close(): Promise<void>;
}

/**
 * Extracts `body` and reads the Dockerfile. Errors (InvalidArgument unless noted), worded as
 * dockerd's: `invalid tar archive: …`, `Cannot locate specified Dockerfile: NAME` (NotFound),
 * `the Dockerfile (NAME) cannot be empty`, `forbidden path outside the build context: NAME ()`.
 * The temp dir is removed when this throws.
 */
export async function openBuildContext(body: Readable, opts: OpenContextOptions = {}): Promise<BuildContext> {
  const dir = await fs.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'wharf-build-context-'));
  // 0700: other users must not read a context that may hold secrets.
  await fs.chmod(dir, 0o700);
  const close = () => fs.rm(dir, { recursive: true, force: true });
  try {
    const { stream } = await decompressed(body);
    const tar = completeTarTail();
    stream.on('error', (err) => tar.destroy(err));
    await extractArchive(stream.pipe(tar), plainTree(dir), '/');
    return await contextFromDir(dir, opts.dockerfile, close);
  } catch (err) {
    await close();
    throw toWharfError(err);
  }
}

/**
 * A context already on disk at `dir` (an extracted archive, a git checkout): reads the Dockerfile
 * and drops the build files .dockerignore excludes (moby withDockerfileFromContext). `close`
 * removes what holds the context; the caller calls it when this throws.
 */
export async function contextFromDir(dir: string, dockerfile: string | undefined, close: () => Promise<void>): Promise<BuildContext> {
  const requested = dockerfile === undefined || dockerfile === '' ? 'Dockerfile' : dockerfile;
  const { name, text } = await readDockerfile(dir, requested);
  const ignore = await removeBuildFiles(dir, name);
  return { dir, dockerfileName: name, dockerfile: text, ignore, close };
}

/** Host path of `rel` inside the context, symlinks resolved within it; refuses `..` escapes. */
export async function contextPath(dir: string, rel: string): Promise<{ host: string; exists: boolean }> {
  const clean = goClean(rel);
  if (clean === '..' || clean.startsWith('../')) throw invalidArgument(`forbidden path outside the build context: ${rel} ()`);
  const r = await secureJoin(plainTree(dir), clean);
  return { host: r.host, exists: r.exists };
}

async function readDockerfile(dir: string, name: string): Promise<{ name: string; text: string }> {
  const p = await contextPath(dir, name);
  let buf: Buffer;
  try {
    buf = await fs.readFile(p.host);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw toWharfError(err);
    // Docker falls back to `dockerfile` only for the default name.
    if (name === 'Dockerfile' && (await contextPath(dir, 'dockerfile')).exists) return readDockerfile(dir, 'dockerfile');
    throw notFound(`Cannot locate specified Dockerfile: ${name}`);
  }
  if (buf.length === 0) throw invalidArgument(`the Dockerfile (${name}) cannot be empty`);
  return { name, text: buf.toString('utf8') };
}

/** Docker's removeDockerfile: drop .dockerignore and the Dockerfile when .dockerignore excludes them. */
async function removeBuildFiles(dir: string, dockerfile: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, '.dockerignore'), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const patterns = readDockerignore(text);
  const matcher = new PatternMatcher(patterns);
  for (const f of ['.dockerignore', goClean(dockerfile)]) {
    if (f === '.' || f.startsWith('../')) continue;
    if (!matcher.matches(f)) continue;
    // Resolved inside the context without following the last component: a symlinked parent
    // must not lead the removal onto the host.
    const target = await secureJoin(plainTree(dir), f, { followLast: false });
    await fs.rm(target.host, { force: true });
  }
  return patterns;
}
