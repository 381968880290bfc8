/**
 * The one error taxonomy of Wharf. Every error that crosses a subsystem boundary is a
 * {@link WharfError} of one of these kinds; the HTTP edge maps kinds to statuses in exactly one
 * function (src/server/error-status.ts). An error that is not a WharfError is a bug and is
 * reported as 500.
 */
export type ErrorKind =
  | 'NotFound'
  | 'InvalidArgument'
  | 'Conflict'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Unavailable'
  | 'NotImplemented'
  | 'NotModified'
  | 'Canceled'
  | 'Internal';

export interface WharfErrorOptions {
  cause?: unknown;
  /** A hint for the user: what to do about it. Printed by the CLI, not sent on the wire. */
  hint?: string;
}

export class WharfError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;

  constructor(kind: ErrorKind, message: string, opts: WharfErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = `WharfError(${kind})`;
    this.kind = kind;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

const make =
  (kind: ErrorKind) =>
  (message: string, opts?: WharfErrorOptions): WharfError =>
    new WharfError(kind, message, opts);

export const notFound = make('NotFound');
export const invalidArgument = make('InvalidArgument');
export const conflict = make('Conflict');
export const unauthorized = make('Unauthorized');
export const forbidden = make('Forbidden');
export const unavailable = make('Unavailable');
export const notImplemented = make('NotImplemented');
export const notModified = make('NotModified');
export const canceled = make('Canceled');
export const internal = make('Internal');

export function isWharfError(err: unknown): err is WharfError {
  return err instanceof WharfError;
}

/** True when `err` is a WharfError of `kind`. */
export function isKind(err: unknown, kind: ErrorKind): boolean {
  return err instanceof WharfError && err.kind === kind;
}

/** Wraps an unknown thrown value into an Internal WharfError, keeping WharfErrors as they are. */
export function toWharfError(err: unknown): WharfError {
  if (err instanceof WharfError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return internal(message, { cause: err });
}

/** The errno code of a Node system error, if any (ENOENT, EEXIST, …). */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
