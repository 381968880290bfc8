/**
 * The instructions that only change the image config (moby dispatchers.go): each edits the run
 * config and commits a step whose Cmd is `#(nop) ` plus Docker's own rendering of the
 * instruction — that string is what `docker history` shows and what the cache compares.
 */
import { invalidArgument } from '../../errdefs/index.js';
import type { HealthConfig, ImageRunConfig } from '../../spec/oci/image.js';
import { parseSignal } from '../../services/containers/lifecycle/signals.js';
import type {
  ArgInstruction,
  CmdInstruction,
  CommandForm,
  EntrypointInstruction,
  EnvInstruction,
  ExposeInstruction,
  HealthcheckInstruction,
  LabelInstruction,
  VolumeInstruction,
} from '../parser/ast.js';
import { expand, expandWords } from '../parser/index.js';
import type { EvalContext } from './eval-context.js';
import { goHealthcheck, goList, goQuoteList } from './go-format.js';
import { commitConfig } from './step-commit.js';
import { expansionEnv, type StageState, shellOf } from './stage-state.js';

type Expander = (w: string) => string;

function expander(ctx: EvalContext, s: StageState, enabled: boolean): Expander {
  if (!enabled) return (w) => w;
  const env = expansionEnv(s);
  return (w) => expand(w, env, ctx.escape);
}

/** ENV: every pair expanded with the env before the instruction; an existing key replaced in place. */
export async function dispatchEnv(ctx: EvalContext, s: StageState, ins: EnvInstruction, expandWordsToo = true): Promise<void> {
  const x = expander(ctx, s, expandWordsToo);
  const pairs = ins.pairs.map((p) => ({ key: x(p.key), value: x(p.value) }));
  let comment = 'ENV';
  const env = [...(s.runConfig.Env ?? [])];
  for (const { key, value } of pairs) {
    if (key === '') throw invalidArgument('ENV names can not be blank');
    const entry = `${key}=${value}`;
    comment += ` ${entry}`;
    const i = env.findIndex((e) => e.split('=')[0] === key);
    if (i >= 0) env[i] = entry;
    else env.push(entry);
  }
  s.runConfig.Env = env;
  await commitConfig(ctx, s, comment);
}

/** LABEL (also the `--label` options, which are not expanded). */
export async function dispatchLabel(ctx: EvalContext, s: StageState, ins: LabelInstruction, expandWordsToo = true): Promise<void> {
  const x = expander(ctx, s, expandWordsToo);
  let comment = 'LABEL';
  const labels = { ...(s.runConfig.Labels ?? {}) };
  for (const p of ins.pairs) {
    const key = x(p.key);
    const value = x(p.value);
    if (key === '') throw invalidArgument('LABEL names can not be blank');
    labels[key] = value;
    comment += ` ${key}=${value}`;
  }
  s.runConfig.Labels = labels;
  await commitConfig(ctx, s, comment);
}

/** ARG: declares the args for the stage (their values come from --build-arg, the default, or a meta arg). */
export async function dispatchArg(ctx: EvalContext, s: StageState, ins: ArgInstruction): Promise<void> {
  const x = expander(ctx, s, true);
  const parts: string[] = [];
  for (const a of ins.args) {
    const name = x(a.name);
    const value = a.defaultValue === undefined ? undefined : x(a.defaultValue);
    parts.push(value === undefined ? name : `${name}=${value}`);
    s.buildArgs.addArg(name, value);
  }
  await commitConfig(ctx, s, `ARG ${parts.join(' ')}`);
}

/** nat.ParsePortSpecs for EXPOSE: `80`, `80/udp`, `8000-8010`, `ip:host:80/tcp` — the container ports. */
export function parsePortSpecs(specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const [rawPort, rawProto = 'tcp'] = spec.split('/');
    const port = rawPort!.split(':').at(-1)!;
    const m = /^(\d+)(?:-(\d+))?$/.exec(port);
    if (!m) throw invalidArgument(`Invalid containerPort: ${port}`);
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    if (from > 65535 || to > 65535 || to < from) throw invalidArgument(`Invalid containerPort: ${port}`);
    for (let p = from; p <= to; p++) out.push(`${p}/${rawProto.toLowerCase()}`);
  }
  return out;
}

/** EXPOSE: words sorted as written (BuildKit's parseExpose), each expanded and split. */
export async function dispatchExpose(ctx: EvalContext, s: StageState, ins: ExposeInstruction): Promise<void> {
  const env = expansionEnv(s);
  const words = [...ins.ports].sort().flatMap((p) => expandWords(p, env, ctx.escape));
  const ports = { ...(s.runConfig.ExposedPorts ?? {}) };
  for (const p of parsePortSpecs(words)) ports[p] = {};
  s.runConfig.ExposedPorts = ports;
  await commitConfig(ctx, s, `EXPOSE ${words.join(' ')}`);
}

/** VOLUME: JSON form word by word, shell form split after expansion. */
export async function dispatchVolume(ctx: EvalContext, s: StageState, ins: VolumeInstruction): Promise<void> {
  const env = expansionEnv(s);
  const vols = ins.json ? ins.paths.map((p) => expand(p, env, ctx.escape)) : ins.paths.flatMap((p) => expandWords(p, env, ctx.escape));
  const volumes = { ...(s.runConfig.Volumes ?? {}) };
  for (const v of vols) {
    if (v.trim() === '') throw invalidArgument('VOLUME specified can not be an empty string');
    volumes[v] = {};
  }
  s.runConfig.Volumes = volumes;
  await commitConfig(ctx, s, `VOLUME ${goList(vols)}`);
}

/** USER, STOPSIGNAL, SHELL, ONBUILD, MAINTAINER: one field each. */
export async function dispatchSimple(ctx: EvalContext, s: StageState, kind: 'USER' | 'STOPSIGNAL' | 'SHELL' | 'ONBUILD' | 'MAINTAINER', value: string | string[]): Promise<void> {
  const x = expander(ctx, s, kind === 'USER' || kind === 'STOPSIGNAL');
  switch (kind) {
    case 'USER':
      s.runConfig.User = x(value as string);
      return commitConfig(ctx, s, `USER ${s.runConfig.User}`);
    case 'STOPSIGNAL': {
      const sig = x(value as string);
      parseSignal(sig);
      s.runConfig.StopSignal = sig;
      return commitConfig(ctx, s, `STOPSIGNAL ${sig}`);
    }
    case 'SHELL':
      s.runConfig.Shell = [...(value as string[])];
      return commitConfig(ctx, s, `SHELL ${goList(s.runConfig.Shell)}`);
    case 'ONBUILD':
      s.runConfig.OnBuild = [...(s.runConfig.OnBuild ?? []), value as string];
      return commitConfig(ctx, s, `ONBUILD ${value as string}`);
    case 'MAINTAINER':
      s.maintainer = value as string;
      return commitConfig(ctx, s, `MAINTAINER ${s.maintainer}`);
  }
}

/** moby resolveCmdLine on Linux: exec form as written, shell form behind SHELL. */
export function resolveCmdLine(c: CommandForm, config: ImageRunConfig): string[] {
  return c.form === 'exec' ? [...c.args] : [...shellOf(config), c.command];
}

/** CMD: sets Cmd; a non-empty CMD survives a later ENTRYPOINT of the stage. */
export async function dispatchCmd(ctx: EvalContext, s: StageState, ins: CmdInstruction): Promise<void> {
  const cmd = resolveCmdLine(ins.command, s.runConfig);
  s.runConfig.Cmd = cmd;
  s.runConfig.ArgsEscaped = false;
  await commitConfig(ctx, s, `CMD ${goQuoteList(cmd)}`);
  if (ins.command.form === 'shell' || ins.command.args.length > 0) s.cmdSet = true;
}

/** ENTRYPOINT: sets Entrypoint; clears a Cmd inherited from the base image (not one set in this stage). */
export async function dispatchEntrypoint(ctx: EvalContext, s: StageState, ins: EntrypointInstruction): Promise<void> {
  const ep = resolveCmdLine(ins.command, s.runConfig);
  s.runConfig.Entrypoint = ep;
  s.runConfig.ArgsEscaped = false;
  if (!s.cmdSet) s.runConfig.Cmd = null;
  await commitConfig(ctx, s, `ENTRYPOINT ${goQuoteList(ep)}`);
}

/** HEALTHCHECK: NONE, or CMD with its options (durations in ns; unset ones 0, inherited at run time). */
export async function dispatchHealthcheck(ctx: EvalContext, s: StageState, ins: HealthcheckInstruction): Promise<void> {
  const old = s.runConfig.Healthcheck?.Test;
  if (old && old.length > 0 && old[0] !== 'NONE') ctx.out.stream(`Note: overriding previous HEALTHCHECK: ${goList(old)}\n`);
  let h: HealthConfig;
  if (ins.check.none) h = { Test: ['NONE'] };
  else {
    const c = ins.check.command;
    const test = c.form === 'exec' ? ['CMD', ...c.args] : ['CMD-SHELL', c.command];
    const o = ins.check.options;
    h = { Test: test, Interval: o.interval ?? 0, Timeout: o.timeout ?? 0, StartPeriod: o.startPeriod ?? 0, Retries: o.retries ?? 0 };
    if (o.startInterval) h.StartInterval = o.startInterval;
  }
  s.runConfig.Healthcheck = h;
  await commitConfig(ctx, s, `HEALTHCHECK ${goHealthcheck(h)}`);
}
