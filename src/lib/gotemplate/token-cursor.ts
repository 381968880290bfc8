/** Token navigation for the template parser, with Go's lookahead semantics and error wording. */
import { goQuote } from './go-strconv.js';
import type { Token, TokenType } from './lexer.js';
import { TemplateError } from './template-error.js';

const KEYWORD_TYPES = new Set<TokenType>(['block', 'break', 'continue', 'dot', 'define', 'else', 'end', 'if', 'nil', 'range', 'template', 'with']);

/** A token as Go's item.String() shows it in errors: `"abc"`, `<end>`, `EOF`. */
export function tokenString(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`;
  const runes = [...t.val];
  if (runes.length > 10) return `${goQuote(runes.slice(0, 10).join(''))}...`;
  return goQuote(t.val);
}

export class TokenCursor {
  protected i = 0;

  constructor(
    protected readonly name: string,
    private readonly tokens: Token[],
  ) {}

  /** Throws `template: NAME:LINE: msg`, the line taken from `tok` (default: the last token read). */
  protected errorf(msg: string, tok: Token = this.tokens[Math.max(0, this.i - 1)]): never {
    throw new TemplateError('parse', `template: ${this.name}:${tok?.line ?? 1}: ${msg}`);
  }
  protected next(): Token {
    return this.tokens[Math.min(this.i++, this.tokens.length - 1)];
  }
  protected backup(n = 1): void {
    this.i -= n;
  }
  protected peek(): Token {
    return this.tokens[Math.min(this.i, this.tokens.length - 1)];
  }
  protected nextNonSpace(): Token {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }
  /** Like Go's: skips (consumes) spaces and returns the next token without consuming it. */
  protected peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }
  protected expect(type: TokenType, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }
  protected unexpected(t: Token, context: string): never {
    if (t.type === 'error') this.errorf(t.val, t);
    this.errorf(`unexpected ${tokenString(t)} in ${context}`, t);
  }
}
