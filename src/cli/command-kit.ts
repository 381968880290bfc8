/**
 * Helpers to declare docker-style commands on commander: docker's usage lines, argument-count
 * checks and flag-error messages (with docker's exit codes), management command groups, and
 * repeatable/boolean flags.
 */
import { type Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliError } from './cli-error.js';

export const PROGRAM = 'wharf';

/** Expected operand counts, as cobra's cli.ExactArgs / RequiresMinArgs / RequiresMaxArgs / NoArgs. */
export type ArgsRule = { exactly: number } | { min: number; max?: number } | { max: number } | { none: true };

export interface CommandSpec {
  name: string;
  aliases?: string[];
  /** What follows the command path in the usage line: `[OPTIONS] IMAGE [IMAGE...]`. */
  usage: string;
  description: string;
  args: ArgsRule;
}

const USAGE = Symbol('wharf.usage');

/** `wharf image ls`: the names from the root down. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function usageLine(cmd: Command): string {
  const extra = (cmd as unknown as Record<symbol, string | undefined>)[USAGE];
  return `Usage:  ${commandPath(cmd)}${extra ? ` ${extra}` : ''}`;
}

const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;

/** Docker's wording for a wrong operand count (exit status 1). */
function checkArgs(cmd: Command, rule: ArgsRule, args: string[]): void {
  let problem: string | null = null;
  // docker 28 says "See" for minimum counts and (sic) "SRun" for maximum counts.
  let lead = 'Run';
  if ('exactly' in rule && args.length !== rule.exactly) problem = `requires ${plural(rule.exactly)}`;
  else if ('min' in rule && args.length < rule.min) {
    problem = `requires at least ${plural(rule.min)}`;
    lead = 'See';
  } else if ('max' in rule && rule.max !== undefined && args.length > rule.max) {
    problem = `requires at most ${plural(rule.max)}`;
    lead = 'SRun';
  } else if ('none' in rule && args.length > 0) problem = 'accepts no arguments';
  if (!problem) return;
  const path = commandPath(cmd);
  const msg = `${PROGRAM}: '${path}' ${problem}\n\n${usageLine(cmd)}\n\n${lead} '${path} --help' for more information`;
  throw new CliError(msg, { exitCode: 1 });
}

/** Maps commander's parse errors to docker's flag-error text (exit status 125). */
function flagError(cmd: Command, err: CommanderError): CliError {
  const path = commandPath(cmd);
  let text = err.message.replace(/^error: /, '');
  const unknown = /^unknown option '(-[^']*)'/.exec(text);
  const missing = /^option '([^']+)' argument missing/.exec(text);
  const invalid = /^option '([^']+)' argument '(.*)' is invalid\. ([\s\S]*)$/.exec(text);
  if (invalid) {
    const flags = invalid[1].replace(/\s*[<[].*$/, '');
    text = `invalid argument "${invalid[2]}" for "${flags}" flag: ${invalid[3]}`;
  } else if (unknown) {
    const f = unknown[1];
    text = f.startsWith('--') ? `unknown flag: ${f.split('=')[0]}` : `unknown shorthand flag: '${f[1]}' in ${f}`;
  } else if (missing) {
    const long = /--[\w-]+/.exec(missing[1])?.[0];
    text = `flag needs an argument: ${long ?? missing[1]}`;
  }
  return new CliError(`${text}\n\n${usageLine(cmd)}\n\nRun '${path} --help' for more information`, { exitCode: 125 });
}

/** Installs docker-style error handling on a command. */
export function withDockerErrors(cmd: Command): Command {
  return cmd.exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      throw new CliError('', { exitCode: 0 });
    }
    if (err.code === 'commander.unknownCommand') {
      const name = /'([^']*)'/.exec(err.message)?.[1] ?? '';
      const usage = cmd.parent ? `\n\n${usageLine(cmd)}` : '';
      throw new CliError(`${PROGRAM}: unknown command: ${commandPath(cmd)} ${name}${usage}\n\nRun '${commandPath(cmd)} --help' for more information`);
    }
    throw flagError(cmd, err);
  });
}

/**
 * Declares a command under `parent` with docker's usage and argument checks; the action gets
 * the operands and the parsed options.
 */
export function defineCommand<O>(parent: Command, spec: CommandSpec, action: (args: string[], opts: O) => Promise<void>): Command {
  const cmd = parent.command(spec.name).description(spec.description).allowExcessArguments(true).argument('[args...]');
  for (const a of spec.aliases ?? []) cmd.alias(a);
  (cmd as unknown as Record<symbol, string>)[USAGE] = spec.usage;
  cmd.usage(spec.usage);
  withDockerErrors(cmd);
  cmd.action(async (args: string[], opts: O) => {
    checkArgs(cmd, spec.args, args);
    await action(args, opts);
  });
  return cmd;
}

/** The management command `name` (`image`, `system`), created on first use. */
export function managementCommand(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  const cmd = withDockerErrors(program.command(name).description(description).usage('COMMAND').allowExcessArguments(true).argument('[command]'));
  cmd.action((sub: string | undefined) => {
    if (sub === undefined) {
      cmd.outputHelp();
      return;
    }
    throw new CliError(`${PROGRAM}: unknown command: ${commandPath(cmd)} ${sub}\n\n${usageLine(cmd)}\n\nRun '${commandPath(cmd)} --help' for more information`);
  });
  return cmd;
}

/** A repeatable string flag (`--filter a=b --filter c=d`). */
export function repeatable(flags: string, description: string): Option {
  return new Option(flags, description).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]).default([]);
}

/** A boolean flag that defaults to true; `--name=false` (normalized to `--no-name`) turns it off. */
export function addDefaultTrueFlag(cmd: Command, flags: string, description: string): void {
  const long = /--([\w-]+)/.exec(flags)?.[1];
  cmd.addOption(new Option(flags, description).default(true));
  cmd.addOption(new Option(`--no-${long}`).hideHelp());
}

/** A repeatable `--filter key=value` flag, checked while parsing flags as docker's is. */
export function filterOption(flags: string, description: string): Option {
  return new Option(flags, description)
    .argParser((v: string, prev: string[] | undefined) => {
      if (v.indexOf('=') <= 0) throw new InvalidArgumentError('bad format of filter (expected name=value)');
      return [...(prev ?? []), v];
    })
    .default([]);
}

/** Turns `--filter key=value` flags into the API's filter map. */
export function parseFilters(values: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new CliError('bad format of filter (expected name=value)');
    const key = v.slice(0, i).trim().toLowerCase();
    out[key] = [...(out[key] ?? []), v.slice(i + 1)];
  }
  return out;
}

export { CommanderError };
