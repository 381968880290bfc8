/**
 * The lexer of Go's text/template (text/template/parse/lex.go), including `{{-`/`-}}` trim
 * markers, comments, newlines inside actions (Go ≥ 1.16) and `break`/`continue` (Go ≥ 1.18).
 * It produces the whole token list up front; an `error` token ends it.
 */

export type TokenType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'assign' | 'declare' | 'eof' | 'field' | 'identifier'
  | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString' | 'rightDelim' | 'rightParen' | 'space'
  | 'string' | 'text' | 'variable'
  // keywords
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range' | 'template' | 'with';

export interface Token {
  type: TokenType;
  /** Offset of the token in the input (UTF-16 index). */
  pos: number;
  val: string;
  /** 1-based line of the token's start. */
  line: number;
}

const KEYWORDS: Record<string, TokenType> = { '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define', else: 'else', end: 'end', if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with' };

const LEFT = '{{';
const RIGHT = '}}';
const SPACE_CHARS = ' \t\r\n';

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string) => c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);

class Lexer {
  readonly tokens: Token[] = [];
  private pos = 0;
  private start = 0;
  private parenDepth = 0;

  constructor(private readonly input: string) {}

  run(): Token[] {
    let inAction = false;
    while (true) {
      const ok: boolean | null = inAction ? this.lexInsideAction() : this.lexText();
      if (ok === null) return this.tokens;
      inAction = ok;
    }
  }

  private lineAt(pos: number): number {
    let n = 1;
    for (let i = 0; i < pos; i++) if (this.input.charCodeAt(i) === 10) n++;
    return n;
  }

  private emit(type: TokenType): void {
    this.tokens.push({ type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.lineAt(this.start) });
    this.start = this.pos;
  }

  private error(msg: string): null {
    this.tokens.push({ type: 'error', pos: this.start, val: msg, line: this.lineAt(this.pos) });
    return null;
  }

  private peek(): string {
    return this.input[this.pos] ?? '';
  }

  /** Scans text up to the next `{{`; returns true when an action starts, null at EOF/error. */
  private lexText(): boolean | null {
    const x = this.input.indexOf(LEFT, this.pos);
    if (x < 0) {
      this.pos = this.input.length;
      if (this.pos > this.start) this.emit('text');
      this.emit('eof');
      return null;
    }
    this.pos = x;
    const trim = this.input.startsWith('- ', x + LEFT.length);
    if (trim) {
      const before = this.input.slice(this.start, x);
      this.pos = this.start + trimRight(before).length;
    }
    if (this.pos > this.start) this.emit('text');
    this.pos = x + LEFT.length;
    this.start = x;
    const after = trim ? 2 : 0;
    if (this.input.startsWith('/*', this.pos + after)) {
      this.pos += after;
      return this.lexComment();
    }
    this.emit('leftDelim');
    this.pos += after;
    this.start = this.pos;
    this.parenDepth = 0;
    return true;
  }

  private lexComment(): boolean | null {
    this.pos += 2;
    const i = this.input.indexOf('*/', this.pos);
    if (i < 0) return this.error('unclosed comment');
    this.pos = i + 2;
    const [delim, trim] = this.atRightDelim();
    if (!delim) return this.error('comment ends before closing delimiter');
    this.pos += (trim ? 2 : 0) + RIGHT.length;
    if (trim) this.pos += leadingSpace(this.input.slice(this.pos));
    this.start = this.pos;
    return false;
  }

  private atRightDelim(): [boolean, boolean] {
    if (this.input.startsWith(RIGHT, this.pos)) return [true, false];
    if (this.input.startsWith(' -', this.pos) && this.input.startsWith(RIGHT, this.pos + 2)) return [true, true];
    return [false, false];
  }

  private lexRightDelim(trim: boolean): boolean {
    if (trim) {
      this.pos += 2;
      this.start = this.pos;
    }
    this.pos += RIGHT.length;
    this.emit('rightDelim');
    if (trim) {
      this.pos += leadingSpace(this.input.slice(this.pos));
      this.start = this.pos;
    }
    return false;
  }

  /** Scans one item inside an action; returns whether we are still inside the action. */
  private lexInsideAction(): boolean | null {
    const [delim, trim] = this.atRightDelim();
    if (delim) {
      if (this.parenDepth === 0) return this.lexRightDelim(trim);
      return this.error('unclosed left paren');
    }
    const r = this.input[this.pos];
    if (r === undefined) return this.error('unclosed action');
    this.pos++;
    if (isSpace(r)) {
      // A space directly before `-}}` belongs to the trim marker, not to the argument list.
      this.pos--;
      let n = 0;
      while (isSpace(this.peek()) && !this.input.startsWith(` -${RIGHT}`, this.pos)) {
        this.pos++;
        n++;
      }
      if (n > 0) this.emit('space');
      return true;
    }
    switch (r) {
      case '=':
        this.emit('assign');
        return true;
      case ':':
        if (this.input[this.pos] !== '=') return this.error('expected :=');
        this.pos++;
        this.emit('declare');
        return true;
      case '|':
        this.emit('pipe');
        return true;
      case '"':
        return this.lexQuote('"', 'unterminated quoted string', 'string');
      case "'":
        return this.lexQuote("'", 'unterminated character constant', 'charConstant');
      case '`': {
        const end = this.input.indexOf('`', this.pos);
        if (end < 0) return this.error('unterminated raw quoted string');
        this.pos = end + 1;
        this.emit('rawString');
        return true;
      }
      case '$':
        return this.lexFieldOrVariable('variable');
      case '(':
        this.emit('leftParen');
        this.parenDepth++;
        return true;
      case ')':
        this.emit('rightParen');
        this.parenDepth--;
        if (this.parenDepth < 0) return this.error(`unexpected right paren U+0029 ')'`);
        return true;
    }
    if (r === '.') {
      const next = this.input[this.pos];
      if (next === undefined || next < '0' || next > '9') return this.lexFieldOrVariable('field');
    }
    if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
      this.pos--;
      return this.lexNumber();
    }
    if (isAlphaNumeric(r)) {
      this.pos--;
      return this.lexIdentifier();
    }
    const code = r.codePointAt(0) ?? 0;
    if (code < 0x7f && code >= 0x20) {
      this.emit('char');
      return true;
    }
    return this.error(`unrecognized character in action: ${goRuneName(r)}`);
  }

  private lexQuote(q: string, unterminated: string, type: TokenType): boolean | null {
    while (true) {
      const c = this.input[this.pos++];
      if (c === '\\') {
        const n = this.input[this.pos++];
        if (n !== undefined && n !== '\n') continue;
        return this.error(unterminated);
      }
      if (c === undefined || c === '\n') return this.error(unterminated);
      if (c === q) break;
    }
    this.emit(type);
    return true;
  }

  private atTerminator(): boolean {
    const r = this.peek();
    if (r === '' || isSpace(r)) return true;
    if ('.,|:)(='.includes(r)) return true;
    return this.input.startsWith(RIGHT, this.pos);
  }

  private lexFieldOrVariable(type: 'field' | 'variable'): boolean | null {
    if (this.atTerminator()) {
      this.emit(type === 'variable' ? 'variable' : 'dot');
      return true;
    }
    while (this.pos < this.input.length && isAlphaNumeric(this.input[this.pos])) this.pos++;
    if (!this.atTerminator()) return this.error(`bad character ${goRuneName(this.peek())}`);
    this.emit(type);
    return true;
  }

  private lexIdentifier(): boolean | null {
    while (this.pos < this.input.length && isAlphaNumeric(this.input[this.pos])) this.pos++;
    const word = this.input.slice(this.start, this.pos);
    if (!this.atTerminator()) return this.error(`bad character ${goRuneName(this.peek())}`);
    const kw = KEYWORDS[word];
    if (kw) this.emit(kw);
    else if (word === 'true' || word === 'false') this.emit('bool');
    else this.emit('identifier');
    return true;
  }

  private lexNumber(): boolean | null {
    const m = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(
      this.input.slice(this.pos),
    );
    this.pos += m ? m[0].length : 0;
    if (this.pos < this.input.length && isAlphaNumeric(this.input[this.pos])) {
      this.pos++;
      return this.error(`bad number syntax: ${JSON.stringify(this.input.slice(this.start, this.pos))}`);
    }
    this.emit('number');
    return true;
  }
}

function trimRight(s: string): string {
  let end = s.length;
  while (end > 0 && SPACE_CHARS.includes(s[end - 1])) end--;
  return s.slice(0, end);
}

function leadingSpace(s: string): number {
  let i = 0;
  while (i < s.length && SPACE_CHARS.includes(s[i])) i++;
  return i;
}

/** Go's `%#U` of a rune: `U+0041 'A'`. */
export function goRuneName(r: string): string {
  const cp = r.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${r}'`;
}

/** Tokenizes a template. The last token is `eof` or `error`. */
export function lex(input: string): Token[] {
  return new Lexer(input).run();
}
