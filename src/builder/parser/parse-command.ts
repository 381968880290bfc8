/** RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK: exec (JSON) vs shell form. */
import type {
  CmdInstruction,
  CommandForm,
  EntrypointInstruction,
  HealthcheckInstruction,
  HealthcheckOptions,
  RunInstruction,
  ShellInstruction,
} from './ast.js';
import type { FlagValues } from './builder-flags.js';
import { fail } from './errors.js';
import { parseGoDuration } from './go-duration.js';
import { baseOf, flagsOf, type InstructionInput } from './instruction-input.js';
import { type Args, isSpace, parseMaybeJSON } from './words.js';

type CommandInstruction = RunInstruction | CmdInstruction | EntrypointInstruction | ShellInstruction | HealthcheckInstruction;

/** Parses RUN, CMD, ENTRYPOINT, SHELL or HEALTHCHECK. */
export function parseCommandInstruction(input: InstructionInput): CommandInstruction {
  switch (input.kind) {
    case 'RUN':
      return parseRun(input);
    case 'CMD':
      flagsOf(input);
      return { kind: 'CMD', ...baseOf(input), command: commandForm(parseMaybeJSON(input.args)) };
    case 'ENTRYPOINT':
      flagsOf(input);
      return { kind: 'ENTRYPOINT', ...baseOf(input), command: commandForm(parseMaybeJSON(input.args), true) };
    case 'SHELL':
      return parseShell(input);
    default:
      return parseHealthcheck(input);
  }
}

/**
 * Docker's handleJSONArgs: JSON words are the exec form; otherwise the words are joined into one
 * shell command. With `emptyIsExec` (ENTRYPOINT), no arguments means "clear": exec form `[]`.
 */
function commandForm(args: Args, emptyIsExec = false): CommandForm {
  if (args.json) return { form: 'exec', args: args.words };
  if (args.words.length === 0 && emptyIsExec) return { form: 'exec', args: [] };
  return { form: 'shell', command: args.words.join(' ') };
}

function parseRun(input: InstructionInput): RunInstruction {
  const flags = flagsOf(input, { mount: 'strings', network: 'string', security: 'string', device: 'strings' });
  const run: RunInstruction = {
    kind: 'RUN',
    ...baseOf(input),
    command: commandForm(parseMaybeJSON(input.args)),
    heredocs: input.line.heredocs,
    mounts: flags.lists.get('mount') ?? [],
  };
  const network = flags.strings.get('network');
  if (network !== undefined) run.network = network;
  const security = flags.strings.get('security');
  if (security !== undefined) run.security = security;
  return run;
}

function parseShell(input: InstructionInput): ShellInstruction {
  flagsOf(input);
  const args = parseMaybeJSON(input.args);
  if (args.words.length === 0) fail('SHELL requires at least one argument');
  if (!args.json) fail('SHELL requires the arguments to be in JSON form');
  return { kind: 'SHELL', ...baseOf(input), shell: args.words };
}

/** Docker's parseHealthConfig: the first word is the type, the rest maybe-JSON. */
function splitHealthArgs(rest: string): { type: string; args: Args } | undefined {
  let sep = 0;
  while (sep < rest.length && !isSpace(rest[sep])) sep++;
  if (sep === 0) return undefined;
  let next = sep;
  while (next < rest.length && isSpace(rest[next])) next++;
  return { type: rest.slice(0, sep), args: parseMaybeJSON(rest.slice(next)) };
}

function parseHealthcheck(input: InstructionInput): HealthcheckInstruction {
  const split = splitHealthArgs(input.args);
  if (!split) fail('HEALTHCHECK requires at least one argument');
  const { type, args } = split as { type: string; args: Args };
  const upper = type.toUpperCase();
  if (upper === 'NONE') {
    // Docker does not look at flags for NONE.
    if (args.words.length !== 0) fail('HEALTHCHECK NONE takes no arguments');
    return { kind: 'HEALTHCHECK', ...baseOf(input), check: { none: true } };
  }
  const flags = flagsOf(input, {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  });
  if (upper !== 'CMD') fail(`Unknown type ${JSON.stringify(upper)} in HEALTHCHECK (try CMD)`);
  if (args.words.length === 0) fail('Missing command after HEALTHCHECK CMD');
  const command = commandForm(args);
  return { kind: 'HEALTHCHECK', ...baseOf(input), check: { none: false, command, options: healthOptions(flags) } };
}

/** A duration flag: empty means unset, 0 is 0, otherwise at least 1ms (Docker's rule). */
function interval(flags: FlagValues, name: string): number | undefined {
  const s = flags.strings.get(name);
  if (s === undefined || s === '') return undefined;
  const ns = parseGoDuration(s);
  if (ns === 0) return 0;
  if (ns < 1e6) fail(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
  return ns;
}

function healthOptions(flags: FlagValues): HealthcheckOptions {
  const options: HealthcheckOptions = {};
  const set = (key: keyof HealthcheckOptions, v: number | undefined) => {
    if (v !== undefined) options[key] = v;
  };
  set('interval', interval(flags, 'interval'));
  set('timeout', interval(flags, 'timeout'));
  set('startPeriod', interval(flags, 'start-period'));
  set('startInterval', interval(flags, 'start-interval'));
  const retries = flags.strings.get('retries');
  if (retries !== undefined && retries !== '') {
    if (!/^[+-]?\d+$/.test(retries) || Math.abs(Number(retries)) > 2 ** 31 - 1) {
      fail(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: ${/^[+-]?\d+$/.test(retries) ? 'value out of range' : 'invalid syntax'}`);
    }
    const n = Number(retries);
    if (n < 0) fail(`--retries cannot be negative (${n})`);
    options.retries = n;
  }
  return options;
}
