import { invalidArgument } from '../../errdefs/index.js';
import type { Dockerfile, LabelInstruction, Stage } from '../parser/ast.js';
import { expand } from '../parser/index.js';
import type { Step } from './dispatch.js';

/** What a build runs: the stages the target needs, in order, and the step count Docker prints. */
export interface BuildPlan {
  df: Dockerfile;
  stages: Stage[];
  /** The instructions of each planned stage (the target's with the `--label` steps appended). */
  steps: Map<Stage, Step[]>;
  totalSteps: number;
}

/** A stage called `name` (case-insensitive) before stage `before` (FROM refers to stages by name only). */
export function stageByName(stages: readonly Stage[], name: string, before: number): Stage | undefined {
  const lower = name.toLowerCase();
  return stages.find((s) => s.index < before && s.name === lower);
}

/** A stage named by `ref` (name, case-insensitive, or index) before stage `before`; undefined when none. */
export function stageByRef(stages: readonly Stage[], ref: string, before: number): Stage | undefined {
  const byName = stageByName(stages, ref, before);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) {
    const i = Number(ref);
    if (i < before) return stages[i];
  }
  return undefined;
}

/** Expands a FROM / --from word with the meta args' defaults and --build-arg values (for planning). */
function metaExpand(df: Dockerfile, word: string, buildArgs: Readonly<Record<string, string | null>>): string {
  const env = new Map<string, string>();
  for (const ins of df.metaArgs) {
    for (const a of ins.args) {
      const given = buildArgs[a.name];
      const v = given !== undefined && given !== null ? given : a.defaultValue === undefined ? undefined : safeExpand(a.defaultValue, env, df);
      if (v !== undefined) env.set(a.name, v);
    }
  }
  return safeExpand(word, env, df);
}

function safeExpand(word: string, env: Map<string, string>, df: Dockerfile): string {
  try {
    return expand(word, env, df.directives.escape);
  } catch {
    return word;
  }
}

/** The stages `stage` depends on: its base when that is a stage, and every `COPY --from` stage. */
function dependencies(df: Dockerfile, stage: Stage, buildArgs: Readonly<Record<string, string | null>>): Stage[] {
  const deps: Stage[] = [];
  const base = stageByName(df.stages, metaExpand(df, stage.baseName, buildArgs), stage.index);
  if (base) deps.push(base);
  for (const ins of stage.instructions) {
    if (ins.kind !== 'COPY' || ins.from === undefined) continue;
    const dep = stageByRef(df.stages, metaExpand(df, ins.from, buildArgs), stage.index);
    if (dep) deps.push(dep);
  }
  return deps;
}

/** The `--label` options as LABEL steps, sorted by key (moby buildLabelOptions); never expanded. */
function labelSteps(labels: Readonly<Record<string, string>>, line: number): Step[] {
  return Object.keys(labels)
    .sort()
    .map((k) => {
      const ins: LabelInstruction = {
        kind: 'LABEL',
        keyword: 'LABEL',
        startLine: line,
        endLine: line,
        original: `LABEL ${k}=${labels[k]}`,
        flags: [],
        pairs: [{ key: k, value: labels[k]!, legacy: false }],
      };
      return { instruction: ins, expand: false };
    });
}

/**
 * Plans a build before anything runs (errors here are plain HTTP errors): the target stage
 * (`--target`, else the last), then only the stages it needs — its base and `COPY --from`
 * stages, transitively — in Dockerfile order.
 */
export function planBuild(df: Dockerfile, opts: { target?: string; labels: Readonly<Record<string, string>>; buildArgs: Readonly<Record<string, string | null>> }): BuildPlan {
  if (df.stages.length === 0) throw invalidArgument('file with no instructions');
  let target = df.stages[df.stages.length - 1]!;
  if (opts.target) {
    const t = df.stages.find((s) => s.name !== undefined && s.name === opts.target!.toLowerCase());
    if (!t) throw invalidArgument(`failed to reach build target ${opts.target} in Dockerfile`);
    target = t;
  }
  const needed = new Set<Stage>();
  const visit = (s: Stage) => {
    if (needed.has(s)) return;
    needed.add(s);
    for (const d of dependencies(df, s, opts.buildArgs)) visit(d);
  };
  visit(target);
  const stages = df.stages.filter((s) => needed.has(s));
  const steps = new Map<Stage, Step[]>();
  for (const s of stages) {
    const own: Step[] = s.instructions.map((instruction) => ({ instruction, expand: true }));
    steps.set(s, s === target ? [...own, ...labelSteps(opts.labels, s.from.endLine)] : own);
  }
  let totalSteps = df.metaArgs.length;
  for (const s of stages) totalSteps += 1 + steps.get(s)!.length;
  return { df, stages, steps, totalSteps };
}
