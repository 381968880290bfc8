import { canceled, invalidArgument } from '../../errdefs/index.js';
import { type Digest, shortId } from '../../lib/digest.js';
import type { Stage } from '../parser/ast.js';
import { expand, parseDockerfile } from '../parser/index.js';
import { BuildArgs } from './build-args.js';
import { type BuildPlan, stageByName, stageByRef } from './build-plan.js';
import type { StageLookup } from './copy-step.js';
import { dispatch } from './dispatch.js';
import type { EvalContext, ResolvedImage } from './eval-context.js';
import { beginStage, imageIdOf, type StageState } from './stage-state.js';
import { goArch } from '../../services/system/system-service.js';

/** The platform args BuildKit predefines (visible to FROM, and to a stage after `ARG NAME`). */
function predefinePlatformArgs(args: BuildArgs): void {
  const arch = goArch();
  for (const prefix of ['TARGET', 'BUILD']) {
    args.predefine(`${prefix}PLATFORM`, `linux/${arch}`);
    args.predefine(`${prefix}OS`, 'linux');
    args.predefine(`${prefix}ARCH`, arch);
    args.predefine(`${prefix}VARIANT`, '');
  }
}

/** Refuses a platform other than the daemon's own (nothing can be pulled or emulated here). */
function checkPlatform(p: string | undefined): void {
  if (!p) return;
  const [os, arch] = p.toLowerCase().split('/');
  if (os !== 'linux' || (arch !== undefined && arch !== goArch())) {
    throw invalidArgument(`platform ${p} is not supported by this daemon (it builds linux/${goArch()} only)`);
  }
}

/** Prints `Step i/N : …` as two messages, as dockerd's printCommand does. */
class StepCounter {
  private n = 1;
  constructor(
    private readonly ctx: EvalContext,
    private readonly total: number,
  ) {}
  print(original: string): void {
    this.ctx.out.stream(`Step ${this.n++}/${this.total} : ${original}`);
    this.ctx.out.stream('\n');
  }
}

/**
 * Runs a planned build (moby dispatchDockerfileWithCancellation): the meta ARGs, then each
 * stage — its base (an earlier stage, `scratch` or an image, whose ONBUILD triggers run first),
 * each instruction as a step printing ` ---> <id>` — emitting each stage's image as an `aux`
 * message; warns about unused --build-args. Returns the last stage's image ID.
 */
export async function runBuild(ctx: EvalContext, plan: BuildPlan): Promise<Digest> {
  const steps = new StepCounter(ctx, plan.totalSteps);
  const top = new BuildArgs(ctx.opts.buildArgs);
  predefinePlatformArgs(top);
  checkPlatform(ctx.opts.platform);
  for (const meta of plan.df.metaArgs) {
    steps.print(meta.original);
    for (const a of meta.args) {
      const env = top.allMeta();
      top.addMetaArg(expand(a.name, env, ctx.escape), a.defaultValue === undefined ? undefined : expand(a.defaultValue, env, ctx.escape));
    }
  }
  const results = new Map<Stage, Digest | ''>();
  let last: StageState | undefined;
  for (const stage of plan.stages) {
    const lookup = stageLookup(plan, stage, results);
    steps.print(stage.from.original);
    const s = await startStage(ctx, plan, stage, top, lookup);
    ctx.out.stream(` ---> ${shortId(imageIdOf(s))}\n`);
    for (const step of plan.steps.get(stage)!) {
      if (ctx.signal?.aborted) throw canceled('Build cancelled');
      steps.print(step.instruction.original);
      await dispatch(ctx, s, step, lookup);
      ctx.out.stream(` ---> ${shortId(imageIdOf(s))}\n`);
    }
    const id = imageIdOf(s);
    if (id) ctx.out.aux(id);
    results.set(stage, id);
    last = s;
  }
  const unused = top.unused();
  if (unused.length > 0) ctx.out.stream(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
  const final = last ? imageIdOf(last) : '';
  if (!final) throw invalidArgument('No image was generated. Is your Dockerfile empty?');
  return final;
}

/** `COPY --from` names: an earlier stage's image (by name or index), else undefined (an image reference). */
function stageLookup(plan: BuildPlan, stage: Stage, results: Map<Stage, Digest | ''>): StageLookup {
  return (ref) => {
    const st = stageByRef(plan.df.stages, ref, stage.index);
    return st ? results.get(st) || undefined : undefined;
  };
}

/** FROM: the base image (or stage, or scratch), the stage's args, then the base's ONBUILD triggers. */
async function startStage(ctx: EvalContext, plan: BuildPlan, stage: Stage, top: BuildArgs, lookup: StageLookup): Promise<StageState> {
  const meta = top.allMeta();
  const name = expand(stage.baseName, meta, ctx.escape);
  if (name === '') throw invalidArgument(`base name (${stage.baseName}) should not be blank`);
  if (stage.platform) checkPlatform(expand(stage.platform, meta, ctx.escape));
  let base: Partial<ResolvedImage> = {};
  const prior = stageByName(plan.df.stages, name, stage.index);
  if (prior) {
    const id = lookup(String(prior.index));
    if (id) base = await ctx.resolveImage(id);
  } else if (name.toLowerCase() !== 'scratch') {
    base = await ctx.resolveImage(name, { pull: true });
  }
  const s = beginStage(stage.index, stage.name, base, top.forStage());
  const triggers = s.runConfig.OnBuild ?? [];
  if (triggers.length > 0) {
    s.runConfig.OnBuild = null;
    ctx.out.stream(`# Executing ${triggers.length} build trigger`);
    if (triggers.length > 1) ctx.out.stream('s');
    ctx.out.stream('\n');
    for (const t of triggers) {
      const parsed = parseDockerfile(`FROM scratch\n${t}\n`, { file: 'ONBUILD trigger' });
      const ins = parsed.stages[0]?.instructions;
      if (ins?.length !== 1) throw invalidArgument('onbuild trigger should be a single expression');
      await dispatch(ctx, s, { instruction: ins[0]!, expand: true }, lookup);
    }
  }
  return s;
}
