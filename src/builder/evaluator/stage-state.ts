import type { ImageRecord } from '../../core/images/image-store.js';
import type { Digest } from '../../lib/digest.js';
import type { ImageConfigFile, ImageRunConfig } from '../../spec/oci/image.js';
import { DEFAULT_PATH } from '../../services/containers/oci-spec/container-config.js';
import type { StepParent } from '../image/step-committer.js';
import type { BuildArgs } from './build-args.js';

/** Docker's default shell for shell-form instructions on Linux. */
export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

/**
 * One stage's dispatch state (moby dispatchState): the current image (the parent of the next
 * step), the run config every instruction edits, the stage's args, MAINTAINER, and whether CMD
 * was set in this stage (ENTRYPOINT then keeps it).
 */
export interface StageState {
  /** 0-based stage index; `name` lower-cased when the stage has `AS name`. */
  index: number;
  name?: string;
  parent: StepParent;
  runConfig: ImageRunConfig;
  buildArgs: BuildArgs;
  maintainer: string;
  cmdSet: boolean;
}

/** The current image ID of a stage ('' on `FROM scratch` before its first step). */
export function imageIdOf(s: StageState): Digest | '' {
  return s.parent.record?.id ?? '';
}

/** A deep copy of a run config (moby copyRunConfig). */
export function copyRunConfig(c: ImageRunConfig, over: Partial<ImageRunConfig> = {}): ImageRunConfig {
  const copy: ImageRunConfig = structuredClone(c);
  return Object.assign(copy, structuredClone(over));
}

/** The SHELL in effect (Docker's getShell). */
export function shellOf(c: ImageRunConfig): string[] {
  return c.Shell && c.Shell.length > 0 ? [...c.Shell] : [...DEFAULT_SHELL];
}

/**
 * A stage's state on its base image (moby beginStage): the base's run config (or an empty one
 * for scratch), PATH added when the base sets none, stdin flags cleared.
 */
export function beginStage(index: number, name: string | undefined, base: { record?: ImageRecord; config?: ImageConfigFile }, buildArgs: BuildArgs): StageState {
  const runConfig: ImageRunConfig = base.config?.config ? structuredClone(base.config.config) : {};
  const env = runConfig.Env ?? [];
  if (!env.some((e) => e.split('=')[0] === 'PATH')) runConfig.Env = [...env, `PATH=${DEFAULT_PATH}`];
  runConfig.OpenStdin = false;
  runConfig.StdinOnce = false;
  runConfig.Image = base.record?.id ?? '';
  return { index, name, parent: { record: base.record, config: base.config }, runConfig, buildArgs, maintainer: '', cmdSet: false };
}

/** Moves the stage to the image a step made (or found in the cache); the run config follows (moby updateRunConfig). */
export function advance(s: StageState, parent: StepParent): void {
  s.parent = parent;
  s.runConfig.Image = parent.record?.id ?? '';
}

/** The variables an instruction's words are expanded with: the config env, then allowed args it does not shadow. */
export function expansionEnv(s: StageState): Map<string, string> {
  const env = new Map<string, string>();
  const list = [...(s.runConfig.Env ?? []), ...s.buildArgs.filterAllowed(s.runConfig.Env ?? [])];
  for (const e of list) {
    const i = e.indexOf('=');
    const k = i < 0 ? e : e.slice(0, i);
    if (!env.has(k)) env.set(k, i < 0 ? '' : e.slice(i + 1));
  }
  return env;
}
