/**
 * `wharf inspect`: any object by name or ID. Like docker it probes containers, then images,
 * networks and volumes, unless `--type` says which.
 */
import type { Command } from 'commander';
import type { RawObject } from '../../client/system-api.js';
import { isKind } from '../../errdefs/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError, } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';

const TYPES = ['container', 'image', 'network', 'volume'] as const;
type ObjectType = (typeof TYPES)[number];

interface InspectOptions {
  format?: string;
  type?: string;
  size?: boolean;
}

async function fetchObject(ctx: CliContext, type: ObjectType, ref: string, size: boolean): Promise<RawObject> {
  const o = ctx.client().objects;
  if (type === 'container') return o.container(ref, { size });
  if (type === 'image') return o.image(ref);
  if (type === 'network') return o.network(ref);
  return o.volume(ref);
}

async function probe(ctx: CliContext, ref: string, opts: InspectOptions): Promise<RawObject> {
  if (opts.type) return fetchObject(ctx, opts.type as ObjectType, ref, Boolean(opts.size));
  for (const t of TYPES) {
    try {
      return await fetchObject(ctx, t, ref, Boolean(opts.size));
    } catch (e) {
      if (!isKind(e, 'NotFound')) throw e;
    }
  }
  throw new CliError(`Error: No such object: ${ref}`, { kind: 'NotFound' });
}

async function runInspect(ctx: CliContext, refs: string[], opts: InspectOptions): Promise<void> {
  if (opts.type && !(TYPES as readonly string[]).includes(opts.type)) {
    throw new CliError(`"${opts.type}" is not a valid value for --type`);
  }
  const { inspectEach } = await import('../format/inspect-output.js');
  await inspectEach((s) => ctx.out(s), refs, opts.format, (ref) => probe(ctx, ref, opts));
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<InspectOptions>(
    program,
    { name: 'inspect', usage: '[OPTIONS] NAME|ID [NAME|ID...]', description: 'Return low-level information on Wharf objects', args: { min: 1 } },
    (args, opts) => runInspect(ctx, args, opts),
  )
    .option('-f, --format <string>', "Format output using a custom template: 'json' or a Go template")
    .option('-s, --size', 'Display total file sizes if the type is container')
    .option('--type <string>', 'Only inspect objects of the given type');
}
