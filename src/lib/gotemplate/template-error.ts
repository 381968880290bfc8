import { WharfError } from '../../errdefs/index.js';

/**
 * A template parse or execution error, worded like Go's: `template: :1: function "foo" not
 * defined` or `template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type …`.
 * It is an InvalidArgument WharfError: the user's format string is the bad input.
 */
export class TemplateError extends WharfError {
  readonly phase: 'parse' | 'exec';
  /** For execution errors: the text produced before the error (Go has written it already). */
  partialOutput = '';

  constructor(phase: 'parse' | 'exec', message: string, opts: { cause?: unknown } = {}) {
    super('InvalidArgument', message, opts);
    this.phase = phase;
  }
}
