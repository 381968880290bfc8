/**
 * The client side of a build context (docker/cli `build` + moby `archive.TarWithOptions`): a
 * directory becomes a tar stream for `POST /build`, filtered by .dockerignore, owned by 0:0.
 */
import { randomBytes } from 'node:crypto';
import { type BigIntStats, constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { errnoCode, invalidArgument, isWharfError, notFound, toWharfError } from '../../errdefs/index.js';
import type { TarEntryType } from '../../lib/tar/tar-reader.js';
import { devNumbers, TarWriter, type TarWriteHeader } from '../../lib/tar/tar-writer.js';
import { keepBuildFiles, type ParentMatches, PatternMatcher, readDockerignore } from './dockerignore.js';
import { goClean } from './go-path.js';

/** Options of {@link packContext}. */
export interface PackOptions {
  /**
   * The Dockerfile (default `Dockerfile`): relative to `dir`, or absolute. It is sent even if
   * .dockerignore excludes it. An absolute path outside `dir` is read and sent like
   * `dockerfileContent` (docker/cli resolves `-f` against the working directory first, then
   * does the same).
   */
  dockerfile?: string;
  /**
   * The Dockerfile's content when it is not inside the context (`-f -`, or `-f` outside the
   * directory): it is added as `.dockerfile.<random>` and listed in .dockerignore so COPY cannot
   * see it — docker/cli's AddDockerfileToBuildContext.
   */
  dockerfileContent?: Buffer | string;
  /** Patterns to use instead of `dir/.dockerignore`. */
  ignore?: string[];
  /** gzip the stream (`docker build --compress`). */
  compress?: boolean;
}

/** A packed context: the tar stream and the `dockerfile` query parameter to send with it. */
export interface PackedContext {
  tar: Readable;
  dockerfile: string;
}

/**
 * Packs `dir` as a build context tar. Validation (missing dir, bad .dockerignore pattern) throws
 * before streaming; errors while walking destroy the stream.
 */
export async function packContext(dir: string, opts: PackOptions = {}): Promise<PackedContext> {
  const root = path.resolve(dir);
  const st = await fs.stat(root).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') throw notFound(`unable to prepare context: path ${JSON.stringify(dir)} not found`);
    throw toWharfError(err);
  });
  if (!st.isDirectory()) throw invalidArgument(`unable to prepare context: context must be a directory: ${root}`);
  const ignoreText = await fs.readFile(path.join(root, '.dockerignore'), 'utf8').catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw toWharfError(err);
  });
  let patterns = opts.ignore ?? readDockerignore(ignoreText ?? '');
  let content = opts.dockerfileContent;
  let given = opts.dockerfile ?? 'Dockerfile';
  if (content === undefined && path.isAbsolute(given)) {
    const rel = path.relative(root, given);
    if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) content = await readOutside(given);
    else given = rel;
  }
  const separate = content !== undefined;
  const dockerfile = separate ? `.dockerfile.${randomBytes(10).toString('hex')}` : goClean(given);
  let matcher: PatternMatcher;
  try {
    patterns = keepBuildFiles(patterns, separate ? undefined : dockerfile);
    matcher = new PatternMatcher(patterns);
  } catch (err) {
    throw invalidArgument(`error checking context: '${(err as Error).message}'.`, { cause: err });
  }
  const out = new PassThrough();
  const packer = new ContextPacker(root, new TarWriter(out), matcher);
  const extra = separate ? { name: dockerfile, content: Buffer.from(content ?? ''), ignoreText } : undefined;
  packer
    .run(extra)
    .then(() => out.end())
    .catch((err: unknown) => out.destroy(isWharfError(err) ? err : toWharfError(err)));
  const tar: Readable = opts.compress ? out.pipe(createGzip()) : out;
  if (opts.compress) out.on('error', (err) => tar.destroy(err));
  return { tar, dockerfile };
}

async function readOutside(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw notFound(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${file}: no such file or directory`);
    throw toWharfError(err);
  }
}

interface ExtraDockerfile {
  name: string;
  content: Buffer;
  ignoreText: string | undefined;
}


class ContextPacker {
  private readonly links = new Map<string, string>();
  private readonly mtimeNow = Math.floor(Date.now() / 1000);

  constructor(
    private readonly root: string,
    private readonly tar: TarWriter,
    private readonly matcher: PatternMatcher,
  ) {}

  async run(extra: ExtraDockerfile | undefined): Promise<void> {
    await this.walk('', undefined, extra);
    if (extra) {
      // Listing the random name in .dockerignore hides it from COPY; the daemon removes both.
      const ignore = extra.ignoreText === undefined ? `.dockerignore\n${extra.name}\n` : `${extra.ignoreText}\n${extra.name}\n`;
      if (extra.ignoreText === undefined) await this.synthetic('.dockerignore', Buffer.from(ignore));
      await this.synthetic(extra.name, extra.content);
    }
    await this.tar.finish();
  }

  private async synthetic(name: string, data: Buffer): Promise<void> {
    await this.tar.entry({ name, type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: this.mtimeNow }, data);
  }

  /** Walks directory `rel` in lexical order, as filepath.Walk does. */
  private async walk(rel: string, parent: ParentMatches | undefined, extra: ExtraDockerfile | undefined): Promise<void> {
    const names = await fs.readdir(this.abs(rel));
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const st = await fs.lstat(this.abs(childRel), { bigint: true }).catch((err: unknown) => {
        if (errnoCode(err) === 'ENOENT') return undefined; // removed while we walk
        throw err;
      });
      if (!st) continue;
      const { excluded, results } = this.matcher.matchesWithParents(childRel, parent);
      if (excluded) {
        // An excluded directory is still walked when an exception may re-include something in
        // it; the directory entry itself is not archived (the daemon creates parents as needed).
        if (st.isDirectory() && this.matcher.mustDescend(childRel)) await this.walk(childRel, results, undefined);
        continue;
      }
      if (extra && childRel === '.dockerignore' && st.isFile()) {
        const text = `${extra.ignoreText ?? ''}\n${extra.name}\n`;
        await this.tar.entry({ ...this.meta(st), name: childRel, type: 'file' }, Buffer.from(text));
        continue;
      }
      await this.entry(childRel, st);
      if (st.isDirectory()) await this.walk(childRel, results, undefined);
    }
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** Docker sends the context owned by 0:0 (ChownOpts), keeping modes and mtimes. */
  private meta(st: BigIntStats): Omit<TarWriteHeader, 'name' | 'type'> {
    return { mode: Number(st.mode) & 0o7777, uid: 0, gid: 0, mtime: Number(st.mtimeNs / 1_000_000_000n) };
  }

  private async entry(rel: string, st: BigIntStats): Promise<void> {
    const meta = this.meta(st);
    if (st.isDirectory()) return this.tar.header({ ...meta, name: rel, type: 'directory' });
    if (st.isSocket()) return; // cannot be archived; Docker skips them
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) return this.tar.header({ ...meta, name: rel, type: 'link', linkname: first });
      this.links.set(key, rel);
    }
    if (st.isSymbolicLink()) return this.tar.header({ ...meta, name: rel, type: 'symlink', linkname: await fs.readlink(this.abs(rel)) });
    if (st.isFile()) return this.file(rel, st, meta);
    const type: TarEntryType = st.isFIFO() ? 'fifo' : st.isBlockDevice() ? 'block-device' : 'character-device';
    return this.tar.header({ ...meta, name: rel, type, ...devNumbers(st.rdev) });
  }

  private async file(rel: string, st: BigIntStats, meta: Omit<TarWriteHeader, 'name' | 'type'>): Promise<void> {
    const size = Number(st.size);
    const fh = await fs.open(this.abs(rel), constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
      if (errnoCode(err) === 'EACCES') throw invalidArgument(`error checking context: 'no permission to read from '${this.abs(rel)}''.`);
      throw err;
    });
    try {
      await this.tar.fileEntry({ ...meta, name: rel, type: 'file', size }, fh);
    } finally {
      await fh.close();
    }
  }
}
