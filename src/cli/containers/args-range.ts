import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { commandPath, PROGRAM } from '../command-kit.js';

/**
 * cobra's RequiresRangeArgs(min, max), which command-kit's rules do not word: declare the
 * command with `{ min: 0 }` and call this first in the action.
 */
export function checkArgsRange(cmd: Command, usage: string, args: readonly string[], min: number, max: number): void {
  if (args.length >= min && args.length <= max) return;
  const path = commandPath(cmd);
  throw new CliError(
    `${PROGRAM}: '${path}' requires at least ${min} and at most ${max} arguments\n\nUsage:  ${path} ${usage}\n\nRun '${path} --help' for more information`,
  );
}
