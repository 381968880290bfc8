/** The input of the per-instruction parsers, and helpers they share. */
import type { Heredoc } from './ast.js';
import { type FlagType, parseFlags, rawFlags } from './builder-flags.js';
import type { LogicalLine } from './logical-lines.js';

/** What every per-kind parser receives. */
export interface InstructionInput {
  /** Upper-case keyword. */
  kind: string;
  /** Keyword as written. */
  keyword: string;
  /** Raw flag words (`--from=x`). */
  flagWords: string[];
  /** The arguments after the flags, trimmed. */
  args: string;
  line: LogicalLine;
  escape: string;
}

/** The base fields shared by all instructions. */
export function baseOf(input: InstructionInput) {
  return {
    keyword: input.keyword,
    startLine: input.line.startLine,
    endLine: input.line.endLine,
    original: input.line.text,
    flags: rawFlags(input.flagWords),
  };
}

/** Checks the instruction's flags; `spec` lists the flags it accepts. */
export function flagsOf(input: InstructionInput, spec: Record<string, FlagType> = {}) {
  return parseFlags(input.flagWords, spec);
}

/** Finds the body of the heredoc named `name` on this line (Docker: empty when there is none). */
export function heredocBody(heredocs: Heredoc[], name: string): Heredoc | undefined {
  return heredocs.find((h) => h.name === name);
}
