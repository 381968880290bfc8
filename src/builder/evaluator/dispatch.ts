import type { Instruction } from '../parser/ast.js';
import { dispatchArg, dispatchCmd, dispatchEntrypoint, dispatchEnv, dispatchExpose, dispatchHealthcheck, dispatchLabel, dispatchSimple, dispatchVolume } from './config-steps.js';
import { dispatchCopy, type StageLookup } from './copy-step.js';
import type { EvalContext } from './eval-context.js';
import { dispatchRun } from './run-step.js';
import type { StageState } from './stage-state.js';
import { dispatchWorkdir } from './workdir-step.js';

/** One instruction of a stage; `expand` false for the `--label` steps Docker adds unexpanded. */
export interface Step {
  instruction: Instruction;
  expand: boolean;
}

/** Runs one instruction on the stage (moby dispatch). */
export async function dispatch(ctx: EvalContext, s: StageState, step: Step, stages: StageLookup): Promise<void> {
  const ins = step.instruction;
  switch (ins.kind) {
    case 'ENV':
      return dispatchEnv(ctx, s, ins, step.expand);
    case 'LABEL':
      return dispatchLabel(ctx, s, ins, step.expand);
    case 'ARG':
      return dispatchArg(ctx, s, ins);
    case 'EXPOSE':
      return dispatchExpose(ctx, s, ins);
    case 'VOLUME':
      return dispatchVolume(ctx, s, ins);
    case 'USER':
      return dispatchSimple(ctx, s, 'USER', ins.user);
    case 'STOPSIGNAL':
      return dispatchSimple(ctx, s, 'STOPSIGNAL', ins.signal);
    case 'SHELL':
      return dispatchSimple(ctx, s, 'SHELL', ins.shell);
    case 'ONBUILD':
      return dispatchSimple(ctx, s, 'ONBUILD', ins.expression);
    case 'MAINTAINER':
      return dispatchSimple(ctx, s, 'MAINTAINER', ins.maintainer);
    case 'CMD':
      return dispatchCmd(ctx, s, ins);
    case 'ENTRYPOINT':
      return dispatchEntrypoint(ctx, s, ins);
    case 'HEALTHCHECK':
      return dispatchHealthcheck(ctx, s, ins);
    case 'WORKDIR':
      return dispatchWorkdir(ctx, s, ins);
    case 'RUN':
      return dispatchRun(ctx, s, ins);
    case 'COPY':
    case 'ADD':
      return dispatchCopy(ctx, s, ins, stages);
  }
}
