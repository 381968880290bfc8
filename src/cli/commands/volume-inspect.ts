/** `wharf volume inspect`: the daemon's JSON for volumes, or a Go template per volume. */
import type { Command } from 'commander';
import type { RawObject } from '../../client/system-api.js';
import { GO_MARSHAL_JSON, GO_TYPE } from '../../lib/gotemplate/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
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
  const { renderInspect, parseInspectFormat } = await import('../format/inspect-output.js');
  if (format && format !== 'json') parseInspectFormat(format);
  const found: RawObject[] = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(typed(await ctx.client().objects.volume(n)));
    } catch (e) {
      errors.push(errorText(e));
    }
  }
  if (format === 'json') {
    // docker's JSONInspector: the raw objects as one compact array.
    ctx.out(`[${found.map((o) => o.raw.trim()).join(',')}]\n`);
  } else {
    const r = renderInspect(found, format);
    ctx.out(r.output);
    errors.push(...r.errors);
  }
  if (errors.length) throw new CliError(errors.join('\n'));
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<{ format?: string }>(
    volumeCommand(program),
    { name: 'inspect', usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Display detailed information on one or more volumes', args: { min: 1 } },
    (args, f) => runInspect(ctx, args, f.format),
  ).option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template");
}
