import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode, invalidArgument } from '../../errdefs/index.js';
import { plainTree, secureJoin } from '../../lib/tar/secure-join.js';
import type { WorkdirInstruction } from '../parser/ast.js';
import { expand } from '../parser/index.js';
import { LayerWorkspace } from '../image/layer-workspace.js';
import type { EvalContext } from './eval-context.js';
import { advanceTo, commentStringConfig, probe } from './step-commit.js';
import { copyRunConfig, expansionEnv, type StageState } from './stage-state.js';

/** moby normalizeWorkdir: relative to the current WORKDIR, cleaned. */
export function normalizeWorkdir(current: string | undefined, requested: string): string {
  if (requested === '') throw invalidArgument('cannot normalize nothing');
  const p = requested.startsWith('/') ? requested : path.posix.join('/', current || '/', requested);
  return path.posix.normalize(p).replace(/(.)\/+$/, '$1');
}

/** Creates the directory (and missing parents) 0755 root-owned, as SetupWorkingDirectory does; refuses a non-directory. */
async function makeWorkdir(root: string, dir: string): Promise<void> {
  const tree = plainTree(root);
  const r = await secureJoin(tree, dir);
  let p = '';
  for (const c of r.scoped.split('/').filter(Boolean)) {
    p += `/${c}`;
    const host = tree.hostPath(p);
    try {
      if (!(await fs.lstat(host)).isDirectory()) throw invalidArgument(`Cannot mkdir: ${dir} is not a directory`);
      continue;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    await fs.mkdir(host);
    await fs.chmod(host, 0o755);
  }
}

/**
 * WORKDIR (moby dispatchWorkdir): sets the working directory and creates it in a layer of its
 * own right away (an empty, `empty_layer` step when it already exists).
 */
export async function dispatchWorkdir(ctx: EvalContext, s: StageState, ins: WorkdirInstruction): Promise<void> {
  const dir = normalizeWorkdir(s.runConfig.WorkingDir, expand(ins.path, expansionEnv(s), ctx.escape));
  s.runConfig.WorkingDir = dir;
  const containerConfig = commentStringConfig(s.runConfig, `WORKDIR ${dir}`);
  if (await probe(ctx, s, containerConfig)) return;
  const ws = await LayerWorkspace.open(ctx.images.snapshots, s.parent.record?.layers.at(-1)?.chainID, ctx.scratchDir, ctx.shell);
  try {
    await makeWorkdir(ws.root, dir);
      } catch (err) {
    await ws.discard();
    throw err;
  }
  // The unmount runs while the committer diffs the upper dir (see StepImage.unmounted).
  const step = await ctx.committer.commit({ parent: s.parent, config: copyRunConfig(s.runConfig), containerConfig, author: s.maintainer, snapshotKey: ws.key, unmounted: ws.release() });
  advanceTo(s, step);
}
