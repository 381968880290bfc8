/**
 * Docker's variable substitution and word splitting for Dockerfile instructions (moby/buildkit
 * frontend/dockerfile/shell/lex.go, "ShellLex"). Hand-written: no npm shell parser has Docker's
 * rules (quotes removed, `\` escapes only `"`, `$` and itself inside double quotes, unset
 * variables expand to '', no command substitution, no globbing, no tilde).
 *
 * Supported: `$VAR`, `${VAR}`, `${VAR:-w}`, `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`, `${VAR:?w}`,
 * `${VAR?w}`, `${VAR#p}`, `${VAR##p}`, `${VAR%p}`, `${VAR%%p}`, `${VAR/p/r}`, `${VAR//p/r}`.
 */
import { invalidArgument } from '../../errdefs/index.js';
import type { InstructionKind } from './ast.js';
import { applyModifier, replacePattern } from './shell-pattern.js';
import { isSpace } from './words.js';

/** Variables visible to an expansion. A Map keeps "set but empty" distinct from "unset". */
export type ShellEnv = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/**
 * The instructions whose arguments the builder expands (Docker's replaceEnvAllowed plus FROM,
 * which is expanded with the meta ARGs only). RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK,
 * MAINTAINER and ONBUILD are never expanded by the builder.
 */
export const EXPANDED_INSTRUCTIONS: ReadonlySet<InstructionKind> = new Set<InstructionKind>([
  'ADD',
  'ARG',
  'COPY',
  'ENV',
  'EXPOSE',
  'FROM',
  'LABEL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** Lexer switches (Docker's Lex fields). */
export interface LexOptions {
  /** The escape character (`\` or a backtick, from the `# escape=` directive). */
  escape?: string;
  /** Keep quote characters in the output (used to detect quoted heredoc delimiters). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Leave `$VAR` / `${VAR…}` of unset variables as written. */
  skipUnsetEnv?: boolean;
  /** Treat quotes as ordinary characters (heredoc bodies). */
  skipProcessQuotes?: boolean;
}

/** The result of one lexing pass: the joined word and the split words. */
export interface LexResult {
  word: string;
  words: string[];
}

/**
 * Expands one word as Docker's ProcessWord: variables substituted, quotes and escapes removed,
 * whitespace kept (no splitting). Throws InvalidArgument on a syntax error
 * (`failed to process "${x": syntax error: missing '}'`).
 */
export function expand(word: string, env: ShellEnv, escapeToken = '\\'): string {
  return lex(word, env, { escape: escapeToken }).word;
}

/**
 * Expands and splits like Docker's ProcessWords (EXPOSE): splitting happens after expansion, on
 * unquoted whitespace, and a value's own whitespace splits too (`$P` with P="80 443" → two words).
 */
export function expandWords(word: string, env: ShellEnv, escapeToken = '\\'): string[] {
  return lex(word, env, { escape: escapeToken }).words;
}

/**
 * Expands the body of a `COPY <<EOF` / `ADD <<EOF` heredoc whose delimiter was not quoted, as
 * Docker does: variables are substituted and `\` escapes processed, quotes are left alone.
 */
export function expandHeredoc(content: string, env: ShellEnv): string {
  return lex(content, env, { escape: '\\', skipProcessQuotes: true }).word;
}

/** Runs the lexer with explicit options; `expand` / `expandWords` cover the common cases. */
export function lex(source: string, env: ShellEnv, opts: LexOptions = {}): LexResult {
  const sw = new ShellWord(source, env, opts);
  try {
    return sw.processStopOn('', opts.rawEscapes ?? false);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw invalidArgument(`failed to process ${JSON.stringify(source)}: ${msg}`);
  }
}

function lookup(env: ShellEnv, name: string): string | undefined {
  if (env instanceof Map) return env.get(name);
  const rec = env as Readonly<Record<string, string>>;
  return Object.hasOwn(rec, name) ? rec[name] : undefined;
}

class Words {
  words: string[] = [];
  private buf = '';
  private inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.buf.length > 0) {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
      return;
    }
    this.addRaw(ch);
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRaw(s: string): void {
    this.buf += s;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.buf.length > 0) this.words.push(this.buf);
    this.buf = '';
    this.inWord = false;
    return this.words;
  }
}

const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}_]$/u;
const DIGIT = /^\p{Nd}$/u;
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

class ShellWord {
  private readonly chars: string[];
  private pos = 0;
  private readonly escape: string;

  constructor(
    source: string,
    private readonly env: ShellEnv,
    private readonly opts: LexOptions,
  ) {
    this.chars = Array.from(source);
    this.escape = opts.escape ?? '\\';
  }

  private peek(): string {
    return this.pos < this.chars.length ? this.chars[this.pos] : '';
  }

  private next(): string {
    return this.pos < this.chars.length ? this.chars[this.pos++] : '';
  }

  /** Reads up to `stop` ('' = end of input). */
  processStopOn(stop: string, rawEscapes: boolean): LexResult {
    let result = '';
    const words = new Words();
    while (this.peek() !== '') {
      const ch = this.peek();
      if (stop !== '' && ch === stop) {
        this.next();
        return { word: result, words: words.finish() };
      }
      if (ch === '$') {
        const v = this.processDollar();
        result += v;
        words.addString(v);
        continue;
      }
      if ((ch === "'" || ch === '"') && !this.opts.skipProcessQuotes) {
        const v = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote(rawEscapes);
        result += v;
        words.addRaw(v);
        continue;
      }
      let c = this.next();
      if (c === this.escape) {
        if (rawEscapes) {
          words.addRaw(c);
          result += c;
        }
        c = this.next();
        if (c === '') break; // an escape at the end is dropped
        words.addRaw(c);
      } else {
        words.addChar(c);
      }
      result += c;
    }
    if (stop !== '') throw new Error(`unexpected end of statement while looking for matching ${stop}`);
    return { word: result, words: words.finish() };
  }

  private processSingleQuote(): string {
    // Everything up to the next ' is literal; a ' cannot be escaped inside.
    const open = this.next();
    let result = this.opts.rawQuotes ? open : '';
    for (;;) {
      const ch = this.next();
      if (ch === '') throw new Error('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return this.opts.rawQuotes ? result + ch : result;
      result += ch;
    }
  }

  private processDoubleQuote(rawEscapes: boolean): string {
    const open = this.next();
    let result = this.opts.rawQuotes ? open : '';
    for (;;) {
      const p = this.peek();
      if (p === '') throw new Error('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        const ch = this.next();
        return this.opts.rawQuotes ? result + ch : result;
      }
      if (p === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === this.escape) {
        if (rawEscapes) result += ch;
        const after = this.peek();
        if (after === '') continue; // an escape at the end of the word is ignored
        // Only ", $ and the escape itself can be escaped; other escapes stay literal.
        if (after === '"' || after === '$' || after === this.escape) ch = this.next();
      }
      result += ch;
    }
  }

  private processName(): string {
    let name = '';
    while (this.peek() !== '') {
      const ch = this.peek();
      if (name === '' && DIGIT.test(ch)) {
        while (this.peek() !== '' && DIGIT.test(this.peek())) name += this.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) return this.next();
      if (!LETTER_OR_DIGIT.test(ch)) break;
      name += this.next();
    }
    return name;
  }

  private getEnv(name: string): string | undefined {
    return lookup(this.env, name);
  }

  private processDollar(): string {
    this.next(); // $
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `$${name}`;
      return value ?? '';
    }
    this.next(); // {
    const first = this.peek();
    if (first === '') throw new Error("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new Error('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === '/') return this.processReplace(name);
    let modifier = ch;
    const nullIsUnset = ch === ':';
    if (nullIsUnset) {
      ch = this.next();
      modifier += ch;
    }
    if (ch === '') throw new Error("syntax error: missing '}'");
    if (!['+', '-', '?', '#', '%'].includes(ch)) throw new Error(`unsupported modifier (${modifier}) in substitution`);
    const patternMode = ch === '#' || ch === '%';
    if (nullIsUnset && patternMode) throw new Error(`unsupported modifier (${modifier}) in substitution`);
    const word = this.readUntil('}', patternMode);
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}${modifier}${word}}`;
    return applyModifier({ name, value, ch, nullIsUnset, word });
  }

  private readUntil(stop: string, rawEscapes: boolean): string {
    try {
      return this.processStopOn(stop, rawEscapes).word;
    } catch (err) {
      if (this.peek() === '') throw new Error(stop === '}' ? "syntax error: missing '}'" : 'syntax error: missing \'/\' in $' + '{}');
      throw err;
    }
  }

  private processReplace(name: string): string {
    const all = this.peek() === '/';
    if (all) this.next();
    const pattern = this.readUntil('/', true);
    const replacement = this.readUntil('}', true);
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    return replacePattern(value ?? '', pattern, replacement, all);
  }
}
