/**
 * The wharf CLI entry: parses argv, runs the command, prints errors the way the docker CLI does
 * (on stderr, with its exit statuses) and returns the exit code.
 */
import { CliContext, type CliIO } from './cli-context.js';
import { errorText, exitCodeOf } from './cli-error.js';
import { normalizeArgv } from './argv.js';
import type { RegisterCommand } from './commands/index.js';
import { buildProgram, globalOptions } from './program.js';

export interface MainOptions {
  io?: CliIO;
  /** Extra commands (tests, plugins). */
  commands?: readonly RegisterCommand[];
}

export async function main(argv: readonly string[], opts: MainOptions = {}): Promise<number> {
  let program: ReturnType<typeof buildProgram> | undefined;
  const io: CliIO = opts.io ?? { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
  const ctx = new CliContext(io, () => (program ? globalOptions(program) : {}));
  // A closed pipe on stdout (`wharf save | head -c1`) ends the command quietly, as in docker.
  io.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    ctx.close();
    io.stdin.destroy();
  });
  try {
    program = buildProgram(ctx, opts.commands);
    await program.parseAsync(normalizeArgv(program, argv), { from: 'user' });
    return 0;
  } catch (e) {
    const text = errorText(e);
    if (text) io.stderr.write(`${text}\n`);
    return exitCodeOf(e);
  } finally {
    ctx.close();
  }
}
