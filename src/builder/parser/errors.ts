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

  constructor(opts: { file: string; line: number; endLine?: number; problem: string; cause?: unknown }) {
    super('InvalidArgument', `${opts.file}:${opts.line}: ${opts.problem}`, opts.cause === undefined ? {} : { cause: opts.cause });
    this.file = opts.file;
    this.line = opts.line;
    this.endLine = opts.endLine ?? opts.line;
    this.problem = opts.problem;
  }
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
