import type { ImageRunConfig } from '../../spec/oci/image.js';
import type { CommittedStep } from '../image/step-committer.js';
import type { EvalContext } from './eval-context.js';
import { advance, copyRunConfig, type StageState, shellOf } from './stage-state.js';

/**
 * Looks the step up in the cache (unless --no-cache): on a hit the stage moves to the cached
 * image and ` ---> Using cache` is printed (moby probeCache). Returns whether it hit.
 */
export async function probe(ctx: EvalContext, s: StageState, containerConfig: ImageRunConfig): Promise<boolean> {
  if (ctx.opts.noCache) return false;
  const id = (await ctx.cache.probe(s.parent.record?.id, containerConfig)) ?? (await ctx.cacheFrom?.probe(s.parent, containerConfig));
  if (!id) return false;
  const record = ctx.images.service.store.get(id);
  if (!record) return false;
  const config = await ctx.cache.config(record);
  ctx.out.stream(' ---> Using cache\n');
  advance(s, { record, config });
  return true;
}

/** Moves the stage onto a step's new image. */
export function advanceTo(s: StageState, step: CommittedStep): void {
  advance(s, { record: step.record, config: step.config });
}

/** The container config of a config-only step: the run config with Cmd `[shell…, "#(nop) ", comment]` (moby withCmdComment). */
export function commentConfig(config: ImageRunConfig, comment: string): ImageRunConfig {
  return copyRunConfig(config, { Cmd: [...shellOf(config), '#(nop) ', comment] });
}

/** The single-argument form WORKDIR, COPY and ADD use: `[shell…, "#(nop) " + comment]` (moby withCmdCommentString). */
export function commentStringConfig(config: ImageRunConfig, comment: string): ImageRunConfig {
  return copyRunConfig(config, { Cmd: [...shellOf(config), `#(nop) ${comment}`] });
}

/**
 * A step that only changes the config (moby Builder.commit): a cache hit, or a new image with
 * the same layers and an `empty_layer` history entry. No container is created for it: dockerd
 * creates and removes one only to commit it, which changes nothing in the image but its
 * `container` field and the ` ---> Running in` lines.
 */
export async function commitConfig(ctx: EvalContext, s: StageState, comment: string): Promise<void> {
  const containerConfig = commentConfig(s.runConfig, comment);
  if (await probe(ctx, s, containerConfig)) return;
  const step = await ctx.committer.commit({ parent: s.parent, config: copyRunConfig(s.runConfig), containerConfig, author: s.maintainer });
  advanceTo(s, step);
}
