/**
 * The Dockerfile parser: text → {@link Dockerfile} (stages, meta ARGs, directives, warnings).
 * Pure; no I/O. See README.md for how the evaluator consumes the result.
 */
import type { ArgInstruction, Dockerfile, Stage } from './ast.js';
import { DockerfileParseError, InstructionError } from './errors.js';
import { scanLines } from './logical-lines.js';
import { parseInstruction } from './parse-instruction.js';

/** Options of {@link parseDockerfile}. */
export interface ParseOptions {
  /** The name used in error messages (`Dockerfile:3: …`); default `Dockerfile`. */
  file?: string;
}

/**
 * Parses a Dockerfile with Docker's rules. Throws {@link DockerfileParseError} (InvalidArgument)
 * naming the file, line and problem: `unknown instruction: FOO`, `FROM requires either one or
 * three arguments`, `unterminated heredoc`, `no build stage in current context`, `file with no
 * instructions`, …
 */
export function parseDockerfile(text: string, opts: ParseOptions = {}): Dockerfile {
  const file = opts.file ?? 'Dockerfile';
  const scan = scanLines(text, file);
  if (scan.lines.length === 0) {
    throw new DockerfileParseError({ file, line: Math.max(scan.lineCount, 1), problem: 'file with no instructions', scope: 'file' });
  }
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  for (const line of scan.lines) {
    let inst: ReturnType<typeof parseInstruction>;
    try {
      inst = parseInstruction(line, scan.directives.escape);
    } catch (err) {
      if (err instanceof InstructionError) {
        throw new DockerfileParseError({ file, line: line.startLine, endLine: line.endLine, problem: err.message });
      }
      throw err;
    }
    if (inst.kind === 'FROM') {
      const stage: Stage = { index: stages.length, baseName: inst.image, from: inst, instructions: [] };
      if (inst.stageName !== undefined) stage.name = inst.stageName;
      if (inst.platform !== undefined) stage.platform = inst.platform;
      stages.push(stage);
      continue;
    }
    const current = stages.at(-1);
    if (current) {
      current.instructions.push(inst);
    } else if (inst.kind === 'ARG') {
      metaArgs.push(inst);
    } else {
      throw new DockerfileParseError({ file, line: line.startLine, endLine: line.endLine, problem: 'no build stage in current context', scope: 'stage' });
    }
  }
  return { directives: scan.directives, metaArgs, stages, warnings: scan.warnings, lineCount: scan.lineCount };
}
