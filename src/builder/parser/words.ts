/**
 * The low-level word splitters of Docker's Dockerfile parser (moby/buildkit
 * frontend/dockerfile/parser: split_command.go, line_parsers.go). They are re-implemented
 * character for character because their quirks are visible in built images (which quotes survive
 * into an ENV value, where flags end, when a JSON array is taken as shell form).
 */
import { fail } from './errors.js';

/** Go's unicode.IsSpace. */
export function isSpace(ch: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]$/u.test(ch);
}

/** Go's strings.TrimSpace (unicode spaces). */
export function trimSpace(s: string): string {
  return trimLeftSpace(s).replace(/[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$/u, '');
}

/** Go's strings.TrimLeftFunc(s, unicode.IsSpace). */
export function trimLeftSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+/u, '');
}

/** Docker's reWhitespace: the separators of whitespace-delimited arguments. */
export const WHITESPACE = /[\t\v\f\r ]+/;

/** Splits like Go's regexp.Split(s, n) with reWhitespace; n = 2 keeps the rest unsplit. */
export function splitWhitespace(s: string, n = -1): string[] {
  if (n !== 2) return s.split(WHITESPACE);
  const m = WHITESPACE.exec(s);
  if (!m) return [s];
  return [s.slice(0, m.index), s.slice(m.index + m[0].length)];
}

/** The keyword, the builder flags (`--x=y`, quotes removed) and the remaining arguments of a line. */
export interface SplitCommand {
  keyword: string;
  flags: string[];
  args: string;
}

/** Docker's splitCommand: keyword, then leading `--flags`, then the (trimmed) arguments. */
export function splitCommand(line: string): SplitCommand {
  const [keyword, rest] = splitWhitespace(trimSpace(line), 2);
  if (rest === undefined) return { keyword, flags: [], args: '' };
  const { args, flags } = extractBuilderFlags(rest);
  return { keyword, flags, args: trimSpace(args) };
}

/**
 * Docker's extractBuilderFlags: leading words that start with `--` are flags. Quotes in a flag
 * are removed and `\` escapes the next character (always `\`, whatever the escape directive —
 * Docker does the same). A lone `--` ends the flags.
 */
export function extractBuilderFlags(line: string): { args: string; flags: string[] } {
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const atEnd = pos === line.length;
    let ch = atEnd ? '' : line[pos];
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return { args: line.slice(pos), flags };
      phase = 'word';
    }
    if (atEnd) {
      if (word !== '--' && (blankOK || word.length > 0)) flags.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return { args: line.slice(pos), flags };
        if (blankOK || word.length > 0) flags.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos];
      }
      word += ch;
      continue;
    }
    // phase === 'quote'
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === line.length) {
        phase = 'word';
        continue;
      }
      pos++;
      ch = line[pos];
    }
    word += ch;
  }
  return { args: '', flags };
}

/**
 * Docker's parseWords (ENV, LABEL, ARG): splits on whitespace outside quotes, KEEPING quotes and
 * escape characters (they are removed later by variable expansion).
 */
export function parseWords(rest: string, escapeToken: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let buf = '';
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = atEnd ? '' : chars[pos];
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || buf.length > 0) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (blankOK || buf.length > 0) words.push(buf);
        buf = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue; // an escape at the very end is dropped
        // Outside quotes an escape and the next character (even a quote) are kept together.
        buf += ch;
        pos++;
        ch = chars[pos];
      }
      buf += ch;
      continue;
    }
    // phase === 'quote'
    if (ch === quote) phase = 'word';
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      buf += ch;
      pos++;
      ch = chars[pos];
    }
    buf += ch;
  }
  return words;
}

/**
 * Docker's parseJSON: `undefined` when `rest` is not a JSON array (the caller falls back to the
 * shell / whitespace form, as Docker does); a hard error when it is an array of non-strings.
 */
export function parseJSONArray(rest: string): string[] | undefined {
  const text = rest.replace(/^[\t\n\v\f\r \u0085\u00A0]+/, '');
  if (!text.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  for (const v of parsed) {
    if (typeof v !== 'string') fail('when using JSON array syntax, arrays must be comprised of strings only');
  }
  return parsed as string[];
}

/** Arguments of an instruction as Docker's per-command line parser produces them. */
export interface Args {
  /** The argument words. */
  words: string[];
  /** True when they came from a JSON array. */
  json: boolean;
}

/** parseMaybeJSON (RUN, CMD, ENTRYPOINT, SHELL): a JSON array, or the whole rest as one word. */
export function parseMaybeJSON(rest: string): Args {
  if (rest === '') return { words: [], json: false };
  const json = parseJSONArray(rest);
  if (json) return { words: json, json: true };
  return { words: [rest], json: false };
}

/** parseMaybeJSONToList (COPY, ADD, VOLUME): a JSON array, or whitespace-delimited words. */
export function parseMaybeJSONToList(rest: string): Args {
  const json = parseJSONArray(rest);
  if (json) return { words: json, json: true };
  return { words: parseStringsWhitespaceDelimited(rest), json: false };
}

/** parseStringsWhitespaceDelimited (FROM, EXPOSE): plain whitespace split, no quote handling. */
export function parseStringsWhitespaceDelimited(rest: string): string[] {
  if (rest === '') return [];
  return splitWhitespace(rest);
}
