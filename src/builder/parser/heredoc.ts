/**
 * Heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) as Docker's parser finds them.
 *
 * dockerd 20.10's classic builder has no heredocs at all (verified against the real daemon:
 * `RUN <<EOF` / `COPY <<EOF /f` fail with `dockerfile parse error line 3: unknown instruction:
 * ECHO`, the body read as instructions). The issue asks for them, so they follow BuildKit's
 * documented semantics (Dockerfile frontend 1.4+): RUN runs a lone heredoc's body in the shell
 * (or, with `#!`, as its own script), other RUN heredocs go to the shell as written; COPY/ADD
 * write each body as a file, variables expanded unless the delimiter is quoted; `<<-` strips
 * leading tabs.
 */
import type { Heredoc } from './ast.js';
import { lex } from './shell-lex.js';

const HEREDOC = /^(\d*)<<(-?)([^<]*)$/;
const NO_ENV: ReadonlyMap<string, string> = new Map();

/** A heredoc marker without its body. */
export type HeredocMarker = Omit<Heredoc, 'content'>;

/**
 * Parses one word as a heredoc marker; undefined when it is not one. The delimiter is quoted
 * (no expansion of the body) when lexing it with and without raw quotes gives a different number
 * of quote characters — Docker's test, which also catches partly quoted words like `E"OF"`.
 */
export function parseHeredocMarker(word: string): HeredocMarker | undefined {
  const m = HEREDOC.exec(word);
  if (!m) return undefined;
  const [, fd, dash, rest] = m;
  if (rest.length === 0) return undefined;
  let words: string[];
  let rawWords: string[];
  try {
    words = lex(rest, NO_ENV, { skipUnsetEnv: true }).words;
    rawWords = lex(rest, NO_ENV, { skipUnsetEnv: true, rawQuotes: true }).words;
  } catch {
    return undefined;
  }
  if (words.length !== 1 || rawWords.length !== 1) return undefined;
  const name = words[0];
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  const marker: HeredocMarker = { name, expand: quotes(name) === quotes(rawWords[0]), chomp: dash === '-' };
  if (fd !== '') marker.fd = Number(fd);
  return marker;
}

/**
 * All heredoc markers of an instruction line, in order. The line is split into shell words
 * (quotes and escapes kept, always with `\` as the escape — Docker does the same) so that `<<`
 * inside quotes is not a marker; a marker must start its word (`cat<<EOF` is not one).
 */
export function heredocsFromLine(line: string): HeredocMarker[] {
  let words: string[];
  try {
    words = lex(line, NO_ENV, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  } catch {
    // Docker ignores a lexing error here (unbalanced quotes): no heredocs.
    return [];
  }
  const out: HeredocMarker[] = [];
  for (const w of words) {
    const h = parseHeredocMarker(w);
    if (h) out.push(h);
  }
  return out;
}

/** Strips leading tabs from every line (the body of a `<<-` heredoc). */
export function chompHeredocContent(content: string): string {
  return content.replace(/^\t+/gm, '');
}
