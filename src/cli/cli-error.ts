import { DaemonError } from '../client/daemon-error.js';
import { type ErrorKind, WharfError } from '../errdefs/index.js';
import { TemplateError } from '../lib/gotemplate/template-error.js';

/**
 * An error the CLI prints as is (no prefix) and exits with `exitCode`, like the docker CLI's
 * cli.StatusError: 1 for failures, 125 for flag errors, 64 for bad inspect templates.
 */
export class CliError extends WharfError {
  readonly exitCode: number;

  constructor(message: string, opts: { exitCode?: number; kind?: ErrorKind; cause?: unknown } = {}) {
    super(opts.kind ?? 'InvalidArgument', message, { cause: opts.cause });
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** How the docker CLI words an error: daemon errors get `Error response from daemon: `. */
export function errorText(err: unknown): string {
  if (err instanceof DaemonError) return `Error response from daemon: ${err.message}`;
  if (err instanceof TemplateError) return `template parsing error: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The exit status for an error. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}
