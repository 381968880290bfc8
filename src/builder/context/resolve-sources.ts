/**
 * COPY / ADD sources from the build context, resolved as Docker's classic builder does
 * (builder/dockerfile/copy.go calcCopyInfo / copyWithWildcards).
 */
import { type Stats, promises as fs } from 'node:fs';
import { invalidArgument, isWharfError, notFound } from '../../errdefs/index.js';
import { contextPath } from './open-context.js';
import { containsWildcards, goClean, goMatch } from './go-path.js';

/** Options of {@link resolveSources}. */
export interface SourceOptions {
  /** For error messages (`COPY failed: …`); default COPY. */
  instruction?: 'COPY' | 'ADD';
  /** Expand `*`, `?`, `[` (default true). */
  allowWildcards?: boolean;
}

/** One context path a source resolved to. */
export interface ResolvedSource {
  /** The source as given (already variable-expanded by the evaluator). */
  source: string;
  /** Path relative to the context root, clean; `.` is the root itself (`COPY . /dst`). */
  path: string;
  /** Host path, symlinks resolved inside the context (a symlink source is followed, as in Docker). */
  hostPath: string;
  type: 'file' | 'directory' | 'other';
}

/**
 * Resolves COPY/ADD sources (not URLs) inside `contextDir`. A leading `/` or `./` is dropped;
 * wildcards are matched with Go's filepath.Match against every context path (depth first, in
 * lexical order). Errors are Docker's: `COPY failed: file not found in build context or excluded
 * by .dockerignore: stat NAME: file does not exist` (NotFound), `COPY failed: forbidden path
 * outside the build context: NAME ()`, `COPY failed: no source files were specified`.
 */
export async function resolveSources(contextDir: string, sources: readonly string[], opts: SourceOptions = {}): Promise<ResolvedSource[]> {
  const instruction = opts.instruction ?? 'COPY';
  const out: ResolvedSource[] = [];
  for (const source of sources) {
    try {
      out.push(...(await resolveOne(contextDir, source, opts.allowWildcards ?? true)));
    } catch (err) {
      if (isWharfError(err)) {
        const make = err.kind === 'NotFound' ? notFound : invalidArgument;
        throw make(`${instruction} failed: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }
  if (out.length === 0) throw invalidArgument(`${instruction} failed: no source files were specified`);
  return out;
}

/** Docker's trimming of a source path before it is looked up. */
function trimSource(source: string): string {
  let p = source.startsWith('/') ? source.slice(1) : source;
  if (p.startsWith('./')) p = p.slice(2);
  return p;
}

async function resolveOne(dir: string, source: string, allowWildcards: boolean): Promise<ResolvedSource[]> {
  const orig = trimSource(source);
  if (allowWildcards && containsWildcards(orig)) {
    const out: ResolvedSource[] = [];
    for (const rel of await walkContext(dir)) {
      let hit = false;
      try {
        hit = goMatch(orig, rel);
      } catch {
        // Docker ignores a malformed pattern here: nothing matches.
      }
      if (hit) out.push(...(await resolveOne(dir, rel, false)));
    }
    return out.map((r) => ({ ...r, source }));
  }
  const p = await contextPath(dir, orig);
  let st: Stats;
  try {
    if (!p.exists) throw new Error('missing');
    st = await fs.stat(p.host);
  } catch {
    throw notFound(`file not found in build context or excluded by .dockerignore: stat ${orig}: file does not exist`);
  }
  const type = st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other';
  return [{ source, path: goClean(orig), hostPath: p.host, type }];
}

/** Every path in the context (relative, `/`-separated), parents before children, names sorted. */
async function walkContext(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const names = await fs.readdir(rel === '' ? dir : `${dir}/${rel}`, { withFileTypes: true });
    names.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    for (const d of names) {
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      out.push(childRel);
      if (d.isDirectory()) await visit(childRel);
    }
  };
  await visit('');
  return out;
}
