import { WharfError } from '../../errdefs/index.js';

/**
 * A malformed Dockerfile: an InvalidArgument WharfError that names the file, the line and the
 * problem, e.g. `Dockerfile:7: unknown instruction: FOO`. `problem` is Docker's own wording
 * (without location) so callers can re-format it (Docker's classic builder says
 * `dockerfile parse error on line 7: unknown instruction: FOO`).
 */
export class DockerfileParseError extends WharfError {
  /** The Dockerfile name given to the parser (`Dockerfile` by default). */
  readonly file: string;
  /** 1-based first line of the offending instruction. */
  readonly line: number;
  /** 1-based last line of the offending instruction (same as `line` for one-line problems). */
  readonly endLine: number;
  /** Docker's message for the problem, without the location prefix. */
  readonly problem: string;
  /**
   * Where Docker's parser finds the problem, which decides dockerd's wording: `instruction` (one
   * instruction is malformed: `dockerfile parse error line N: …`), `file` (the file as a whole:
   * parser directives, no instructions — `failed to parse Dockerfile: …`), `stage` (an instruction
   * before the first FROM: dockerd's bare `no build stage in current context`).
   */
  readonly scope: ParseErrorScope;

  constructor(opts: { file: string; line: number; endLine?: number; problem: string; scope?: ParseErrorScope; cause?: unknown }) {
    super('InvalidArgument', `${opts.file}:${opts.line}: ${opts.problem}`, opts.cause === undefined ? {} : { cause: opts.cause });
    this.file = opts.file;
    this.line = opts.line;
    this.endLine = opts.endLine ?? opts.line;
    this.problem = opts.problem;
    this.scope = opts.scope ?? 'instruction';
  }
}

/** See {@link DockerfileParseError.scope}. */
export type ParseErrorScope = 'instruction' | 'file' | 'stage';

/**
 * The text dockerd 20.10's classic builder answers `POST /build` with for a parse error
 * (verified against the real daemon): `dockerfile parse error line 2: unknown instruction: FOO`,
 * `failed to parse Dockerfile: only one escape parser directive can be used`,
 * `no build stage in current context`. Our own `file:line: problem` form stays the error's
 * `message` for the linter and other library users.
 */
export function dockerdParseMessage(e: DockerfileParseError): string {
  if (e.scope === 'file') return `failed to parse Dockerfile: ${e.problem}`;
  if (e.scope === 'stage') return e.problem;
  return `dockerfile parse error line ${e.line}: ${e.problem}`;
}

/**
 * A problem found while reading one instruction, before the file and line are known. The
 * parser catches it and rethrows a {@link DockerfileParseError} with the location.
 */
export class InstructionError extends Error {
  override readonly name = 'InstructionError';
}

/** Throws an {@link InstructionError}; used by the per-instruction parsers. */
export function fail(problem: string): never {
  throw new InstructionError(problem);
}
