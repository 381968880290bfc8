/** Builds the commander program: global flags, docker-style errors, and every command. */
import { Command } from 'commander';
import { WHARF_VERSION } from '../lib/version.js';
import type { CliContext, GlobalOptions } from './cli-context.js';
import { PROGRAM, withDockerErrors } from './command-kit.js';
import { COMMANDS, type RegisterCommand } from './commands/index.js';

export function buildProgram(ctx: CliContext, extra: readonly RegisterCommand[] = []): Command {
  const program = new Command(PROGRAM)
    .description('A self-sufficient runtime for containers')
    .usage('[OPTIONS] COMMAND')
    .enablePositionalOptions()
    .option('-H, --host <string>', 'Daemon socket to connect to')
    .option('-D, --debug', 'Enable debug mode')
    .option('-l, --log-level <string>', 'Set the logging level ("debug"|"info"|"warn"|"error"|"fatal")', 'info')
    .version(`Wharf version ${WHARF_VERSION}`, '-v, --version', 'Print version information and quit')
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
      // Errors are printed once, in docker's words, by main().
      outputError: () => {},
    });
  withDockerErrors(program);
  program.hook('preAction', () => ctx.prepare());
  for (const register of [...COMMANDS, ...extra]) register(program, ctx);
  return program;
}

/** The global options as parsed so far. */
export function globalOptions(program: Command): GlobalOptions {
  return program.opts<GlobalOptions>();
}
