import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { invalidArgument } from '../../errdefs/index.js';
import { unmountAll, mountAll } from '../../plugins/snapshots/mount.js';
import type { AddInstruction, CopyInstruction } from '../parser/ast.js';
import { chompHeredocContent, expand, expandHeredoc } from '../parser/index.js';
import { BUILD_SNAPSHOT_PREFIX, LayerWorkspace } from '../image/layer-workspace.js';
import { parseChmod, parseChown } from './chown.js';
import { type CopySource, copySource } from './copy-files.js';
import { combinedHash, inlineHash, resolveGroup } from './copy-sources.js';
import type { EvalContext } from './eval-context.js';
import { download, isURL } from './remote-source.js';
import { advanceTo, commentStringConfig, probe } from './step-commit.js';
import { copyRunConfig, expansionEnv, type StageState } from './stage-state.js';

/** A root filesystem to copy from (`--from`), mounted read-only for the step. */
interface SourceRoot {
  dir: string;
  release(): Promise<void>;
}

/** Resolves `--from` to a stage's image or an image (moby getImageMount); `stageImage` maps names and indexes. */
export type StageLookup = (ref: string) => string | undefined;

async function mountImageRoot(ctx: EvalContext, ref: string, stageImage: StageLookup): Promise<SourceRoot> {
  let resolved: Awaited<ReturnType<EvalContext['resolveImage']>>;
  try {
    const stage = stageImage(ref);
    resolved = await (stage === undefined ? ctx.resolveImage(ref, { pull: true }) : ctx.resolveImage(stage));
  } catch (err) {
    throw invalidArgument(`invalid from flag value ${ref}: ${(err as Error).message}`, { cause: err });
  }
  const dir = path.join(ctx.scratchDir, `${BUILD_SNAPSHOT_PREFIX}from-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const top = resolved.record.layers.at(-1)?.chainID;
  if (!top) return { dir, release: () => fs.rm(dir, { recursive: true, force: true }) };
  const key = path.basename(dir);
  const snapshots = ctx.images.snapshots;
  try {
    // A read-only view of the image, mounted for the step (unmounted and removed by release()).
    await mountAll(await snapshots.view(key, top, { 'wharf.build': 'from' }), dir);
  } catch (err) {
    await snapshots.remove(key).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    release: async () => {
      await unmountAll(dir);
      await snapshots.remove(key).catch(() => undefined);
      await fs.rmdir(dir).catch(() => undefined);
    },
  };
}

/** moby normalizeDest: a relative destination is under WORKDIR; a trailing `/` is kept. */
export function normalizeDest(workdir: string | undefined, dest: string): string {
  if (dest.startsWith('/')) return dest;
  const joined = path.posix.join('/', workdir || '/', dest);
  return dest.endsWith('/') && !joined.endsWith('/') ? `${joined}/` : joined;
}

/** BuildKit-only COPY/ADD flags the classic builder refuses. */
function refuseBuildKitFlags(ins: CopyInstruction | AddInstruction): void {
  const only = (flag: string) => {
    throw invalidArgument(`the --${flag} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled`);
  };
  if (ins.excludes.length > 0) only('exclude');
  if (ins.kind === 'COPY' && ins.parents) only('parents');
  if (ins.kind === 'ADD' && ins.checksum !== undefined) only('checksum');
  if (ins.kind === 'ADD' && ins.keepGitDir) only('keep-git-dir');
}

interface Gathered {
  sources: CopySource[];
  /** The checksum of all sources (the step's cache key part). */
  hash: string;
  cleanup: Array<() => Promise<unknown>>;
}

/** The sources of the instruction: context or `--from` paths, ADD downloads, heredocs. */
async function gather(ctx: EvalContext, ins: CopyInstruction | AddInstruction, words: { sources: string[]; dest: string; from?: string }, env: Map<string, string>, stageImage: StageLookup): Promise<Gathered> {
  const g: Gathered = { sources: [], hash: '', cleanup: [] };
  const hashes: string[] = [];
  try {
    const local = words.sources.filter((src) => !isURL(src));
    if (local.length > 0) {
      let root = ctx.contextDir;
      if (words.from) {
        const mounted = await mountImageRoot(ctx, words.from, stageImage);
        g.cleanup.push(() => mounted.release());
        root = mounted.dir;
      }
      const group = await resolveGroup(root, local, ins.kind, words.from !== undefined);
      g.sources.push(...group.sources);
      hashes.push(group.hash);
    }
    for (const src of words.sources.filter(isURL)) {
      if (ins.kind === 'COPY') throw invalidArgument("source can't be a URL for COPY");
      const d = await download(src, words.dest, ctx.scratchDir);
      g.cleanup.push(() => fs.rm(d.dir, { recursive: true, force: true }));
      const group = await resolveGroup(d.dir, [d.file], ins.kind, false);
      g.sources.push(...group.sources.map((s) => ({ ...s, name: d.name || d.file, noDecompress: true })));
      hashes.push(group.hash);
    }
    for (const h of ins.heredocSources) {
      let text = h.chomp ? chompHeredocContent(h.content) : h.content;
      if (h.expand) text = expandHeredoc(text, env);
      const data = Buffer.from(text);
      g.sources.push({ name: h.name, data, isDir: false, hash: inlineHash(data) });
      hashes.push(inlineHash(data));
    }
  } catch (err) {
    for (const c of g.cleanup) await c();
    throw err;
  }
  g.hash = hashes.length > 0 ? combinedHash(hashes) : '';
  return g;
}

/**
 * COPY and ADD (moby performCopy): the sources' hash goes into the step's Cmd
 * (`#(nop) COPY file:… in /dst `) for the cache; on a miss the files are copied into a fresh
 * layer on the current image — owned by root (or `--chown`, resolved in the image's
 * /etc/passwd), except COPY --from without --chown, which keeps the owners it finds.
 */
export async function dispatchCopy(ctx: EvalContext, s: StageState, ins: CopyInstruction | AddInstruction, stageImage: StageLookup): Promise<void> {
  refuseBuildKitFlags(ins);
  const env = expansionEnv(s);
  const x = (w: string) => expand(w, env, ctx.escape);
  const words = { sources: ins.sources.map(x), dest: x(ins.dest), from: ins.kind === 'COPY' && ins.from !== undefined ? x(ins.from) : undefined };
  const chown = ins.chown !== undefined ? x(ins.chown) : '';
  const mode = ins.chmod !== undefined ? parseChmod(x(ins.chmod)) : undefined;
  const g = await gather(ctx, ins, words, env, stageImage);
  try {
    if (g.sources.length === 0) throw invalidArgument(`${ins.kind} failed: no source files were specified`);
    if (g.sources.length > 1 && !words.dest.endsWith('/')) {
      throw invalidArgument(`When using ${ins.kind} with more than one source file, the destination must be a directory and end with a /`);
    }
    const flags = `${chown ? `--chown=${chown}` : ''}${mode !== undefined ? `--chmod=${ins.chmod} ` : ''}`;
    const containerConfig = commentStringConfig(s.runConfig, `${ins.kind} ${flags}${g.hash} in ${words.dest} `);
    if (await probe(ctx, s, containerConfig)) return;
    const ws = await LayerWorkspace.open(ctx.images.snapshots, s.parent.record?.layers.at(-1)?.chainID, ctx.scratchDir, ctx.shell);
    try {
      const owner = chown ? await parseChown(chown, ws.root) : words.from ? undefined : { uid: 0, gid: 0 };
      const target = { root: ws.root, dest: normalizeDest(s.runConfig.WorkingDir, words.dest), owner, mode, decompress: ins.kind === 'ADD' };
      for (const src of g.sources) await copySource(target, src);
    } catch (err) {
      await ws.discard();
      throw err;
    }
    // The unmount runs while the committer diffs the upper dir (see StepImage.unmounted).
    const step = await ctx.committer.commit({ parent: s.parent, config: copyRunConfig(s.runConfig), containerConfig, author: s.maintainer, snapshotKey: ws.key, unmounted: ws.release() });
    advanceTo(s, step);
  } finally {
    for (const c of g.cleanup) await c();
  }
}
