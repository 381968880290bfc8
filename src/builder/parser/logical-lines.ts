/**
 * The first pass of Docker's parser (buildkit parser.Parse): physical lines → logical
 * instruction lines. Handles the BOM, parser directives, comments, line continuations (also over
 * comment-only and empty lines, which Docker skips — empty ones with a warning) and heredoc bodies.
 */
import type { Directives, Heredoc, ParseWarning } from './ast.js';
import { DockerfileParseError } from './errors.js';
import { heredocsFromLine } from './heredoc.js';
import { parseJSONArray, splitCommand, trimLeftSpace } from './words.js';

/** One instruction's text after joining continuations, with its heredoc bodies. */
export interface LogicalLine {
  text: string;
  startLine: number;
  endLine: number;
  heredocs: Heredoc[];
}

/** The result of the line pass. */
export interface LineScan {
  lines: LogicalLine[];
  directives: Directives;
  warnings: ParseWarning[];
  lineCount: number;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const VALID_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

/** Physical lines, each with its line terminator (the last may have none). */
function physicalLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      if (start < text.length) out.push(text.slice(start));
      return out;
    }
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
}

const trimNewline = (s: string): string => s.replace(/[\r\n]+$/, '');
const isComment = (s: string): boolean => trimLeftSpace(trimNewline(s)).startsWith('#');

class DirectiveReader {
  done = false;
  readonly seen = new Set<string>();
  readonly directives: Directives = { escape: '\\' };

  /** Docker looks for directives only until the first line that is not one (even an empty line). */
  check(line: string): string | undefined {
    if (this.done) return undefined;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1].toLowerCase();
    if (!m || key === undefined || !VALID_DIRECTIVES.has(key)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(key)) return `only one ${key} parser directive can be used`;
    this.seen.add(key);
    const value = m[2];
    if (key === 'escape') {
      if (value !== '`' && value !== '\\') return `invalid escape token '${value}' does not match \` or \\`;
      this.directives.escape = value;
    } else if (key === 'syntax') {
      this.directives.syntax = value;
    } else {
      this.directives.check = value;
    }
    return undefined;
  }
}

/** True when the instruction may carry heredocs: RUN / COPY / ADD (also under ONBUILD), not JSON form. */
function canContainHeredoc(line: string): boolean {
  let cmd = splitCommand(line);
  if (cmd.keyword.toLowerCase() === 'onbuild') cmd = splitCommand(cmd.args);
  if (!['run', 'copy', 'add'].includes(cmd.keyword.toLowerCase())) return false;
  try {
    return parseJSONArray(cmd.args) === undefined;
  } catch {
    return false; // a JSON array of non-strings: the instruction parser reports it
  }
}

/** Splits a Dockerfile into logical lines. Throws DockerfileParseError for directive and heredoc errors. */
export function scanLines(text: string, file: string): LineScan {
  const phys = physicalLines(text);
  if (phys.length > 0) phys[0] = phys[0].replace(/^\uFEFF/, '');
  const dirs = new DirectiveReader();
  const warnings: ParseWarning[] = [];
  const lines: LogicalLine[] = [];
  const err = (line: number, problem: string, endLine?: number) => new DockerfileParseError({ file, line, endLine, problem });
  // Directive errors concern the whole file: dockerd says `failed to parse Dockerfile: …` for them.
  const directiveErr = (line: number, problem: string) => new DockerfileParseError({ file, line, problem, scope: 'file' });
  // Docker's continuation regex: the escape char at the end (trailing blanks allowed), unless it is
  // itself escaped; or the escape char alone on a line.
  const esc = () => (dirs.directives.escape === '`' ? '`' : '\\\\');
  const continuation = () => new RegExp(`([^${esc()}])${esc()}[ \\t]*$|^${esc()}[ \\t]*$`);
  const trimContinuation = (s: string): [string, boolean] => {
    const re = continuation();
    return re.test(s) ? [s.replace(re, '$1'), false] : [s, true];
  };
  const process = (raw: string, stripLeft: boolean, lineNo: number): string => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    const problem = dirs.check(token);
    if (problem) throw directiveErr(lineNo, problem);
    return token.startsWith('#') ? '' : token;
  };

  let i = 0;
  while (i < phys.length) {
    const startLine = i + 1;
    let [line, eol] = trimContinuation(process(phys[i], true, startLine));
    i++;
    if (eol && line === '') continue;
    let emptyContinuation = false;
    while (!eol && i < phys.length) {
      const raw = phys[i];
      const token = process(raw, false, i + 1);
      i++;
      if (isComment(raw)) continue;
      if (trimLeftSpace(token) === '') {
        emptyContinuation = true;
        continue;
      }
      const [part, end] = trimContinuation(token);
      line += part;
      eol = end;
    }
    if (emptyContinuation) warnings.push({ message: `Empty continuation line found in: ${line}`, line: i });
    const heredocs: Heredoc[] = [];
    if (canContainHeredoc(line)) {
      for (const marker of heredocsFromLine(line)) {
        let content = '';
        let terminated = false;
        while (i < phys.length) {
          const raw = phys[i];
          i++;
          let candidate = trimNewline(raw);
          if (marker.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === marker.name) {
            terminated = true;
            break;
          }
          content += raw;
        }
        if (!terminated) throw err(startLine, 'unterminated heredoc', i);
        heredocs.push({ ...marker, content });
      }
    }
    lines.push({ text: line, startLine, endLine: i, heredocs });
  }
  return { lines, directives: dirs.directives, warnings, lineCount: phys.length };
}
