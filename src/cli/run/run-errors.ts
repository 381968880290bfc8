/** How `run` and `create` report failures: docker's reportError and runStartContainerErr. */
import { CliError, errorText } from '../cli-error.js';
import { PROGRAM } from '../command-kit.js';

/**
 * `wharf: <message>\n\nRun 'wharf <name> --help' for more information` with `exitCode`
 * (125 for bad flags and daemon errors, 126/127 for a command that cannot run).
 */
export function reportedError(name: string, err: unknown, exitCode = 125): CliError {
  const text = errorText(err);
  return new CliError(`${PROGRAM}: ${text}\n\nRun '${PROGRAM} ${name} --help' for more information`, { exitCode, cause: err });
}

/**
 * runStartContainerErr: 127 when the command was not found, 126 when it could not be executed,
 * else 125 (a daemon failure).
 */
export function startErrorExitCode(err: unknown): number {
  const text = errorText(err).replace(/^Error response from daemon: /, '');
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(text)) return 127;
  if (/permission denied|is a directory/.test(text)) return 126;
  return 125;
}

/** An exit with the container's status and no message. */
export function exitStatus(code: number): CliError {
  return new CliError('', { exitCode: code, kind: 'Internal' });
}

/** docker's CheckTty: a TTY session needs a terminal on stdin. */
export function checkTty(attachStdin: boolean, tty: boolean, stdinIsTTY: boolean): void {
  if (tty && attachStdin && !stdinIsTTY) throw new CliError('the input device is not a TTY');
}
