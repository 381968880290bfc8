/** `wharf volume create`: a volume of the local driver, like `docker volume create`. */
import { type Command, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, repeatable } from '../command-kit.js';
import { list } from '../run/container-flags.js';
import { validateLabel } from '../run/flag-validators.js';
import { volumeCommand, volumesOf } from './volume-command.js';

interface CreateFlags {
  driver: string;
  name?: string;
  label: string[];
  opt: string[];
}

/** `k=v` values as a map (`k` alone maps to ''), docker's ConvertKVStringsToMap. */
function keyValues(values: readonly string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  return Object.fromEntries(values.map((v) => (v.includes('=') ? [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)] : [v, ''])));
}

async function runCreate(ctx: CliContext, args: string[], f: CreateFlags): Promise<void> {
  let name = f.name ?? '';
  if (args.length === 1) {
    if (name) throw new CliError('conflicting options: cannot specify a volume-name through both --name and as a positional arg');
    name = args[0]!;
  }
  // The docker CLI omits empty fields (omitempty): no Name makes the daemon pick one.
  const vol = await volumesOf(ctx).create({
    Driver: f.driver,
    ...(f.opt.length ? { DriverOpts: keyValues(f.opt) } : {}),
    ...(name ? { Name: name } : {}),
    ...(f.label.length ? { Labels: keyValues(f.label) } : {}),
  });
  ctx.out(`${vol.Name}\n`);
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<CreateFlags>(
    volumeCommand(program),
    { name: 'create', usage: '[OPTIONS] [VOLUME]', description: 'Create a volume', args: { max: 1 } },
    (args, f) => runCreate(ctx, args, f),
  )
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .addOption(new Option('--name <string>', 'Specify volume name').hideHelp())
    // docker's MapOpts: `k=v`, or `k` alone for an empty value; a later `k` wins.
    .addOption(repeatable('-o, --opt <map>', 'Set driver specific options'))
    .addOption(list('--label <list>', 'Set metadata for a volume', validateLabel));
}
