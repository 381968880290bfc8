/** `wharf volume inspect`: the daemon's JSON for volumes, or a Go template per volume. */
import type { Command } from 'commander';
import type { RawObject } from '../../client/system-api.js';
import { GO_MARSHAL_JSON, GO_TYPE } from '../../lib/gotemplate/index.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';
import { volumeCommand } from './volume-command.js';

/** A Go nil map: prints as `map[]` in a template, encodes as `null`. */
const nilMap = () => ({ [GO_MARSHAL_JSON]: () => 'null' });

/**
 * docker runs templates on its typed struct, where the daemon's `"Labels": null` is a nil map
 * (`{{.Labels}}` prints `map[]`, `{{json .Labels}}` prints `null`).
 */
function typed(o: RawObject): RawObject {
  const v = o.value;
  return { raw: o.raw, value: { [GO_TYPE]: 'volume.Volume', ...v, Labels: v.Labels ?? nilMap(), Options: v.Options ?? nilMap() } };
}

async function runInspect(ctx: CliContext, names: string[], format: string | undefined): Promise<void> {
  const { inspectEach } = await import('../format/inspect-output.js');
  await inspectEach((s) => ctx.out(s), names, format, async (n) => typed(await ctx.client().objects.volume(n)), { compactJson: true });
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ format?: string }>(
    volumeCommand(program),
    { name: 'inspect', usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Display detailed information on one or more volumes', args: { min: 1 } },
    (args, f) => runInspect(ctx, args, f.format),
  ).option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template");
}
