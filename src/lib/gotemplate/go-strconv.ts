/**
 * The parts of Go's strconv the template engine needs: Quote (for %q and error messages) and
 * Unquote (for string and character literals in templates).
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
};

/** Whether Go's unicode.IsPrint holds for a code point (approximated with Unicode categories). */
function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(cp));
}

/**
 * Go's strconv.Quote (or QuoteToASCII with `ascii`): a double-quoted literal with Go escapes.
 * `quote` may be `'` for QuoteRune.
 */
export function goQuote(s: string, opts: { ascii?: boolean; quote?: string } = {}): string {
  const q = opts.quote ?? '"';
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === q) out += `\\${q}`;
    else if (SIMPLE_ESCAPES[ch]) out += SIMPLE_ESCAPES[ch];
    else if (cp === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if (cp < 0x80 ? cp >= 0x20 && cp < 0x7f : !opts.ascii && isPrint(cp)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + q;
}

/** Go's strconv.CanBackquote: no control characters except tab, and no backquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '`' || cp === 0xfeff || cp === 0x7f || (cp < 0x20 && ch !== '\t')) return false;
  }
  return true;
}

const UNESCAPE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/**
 * Go's strconv.Unquote for `"…"`, `` `…` `` and `'…'` literals. Returns null when the literal is
 * malformed (the caller words the error).
 */
export function goUnquote(lit: string): string | null {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) return null;
  const body = lit.slice(1, -1);
  if (q === '`') return body.includes('`') ? null : body.replace(/\r/g, '');
  if (q !== '"' && q !== "'") return null;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === q || c === '\n') return null;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return null;
    if (UNESCAPE[e] !== undefined) out += UNESCAPE[e];
    else if (e === q) out += q;
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return null;
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) return null;
      // \x escapes are bytes in Go; for ASCII they are the same character.
      out += String.fromCodePoint(cp);
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      out += String.fromCodePoint(Number.parseInt(oct, 8));
      i += 2;
    } else return null;
  }
  if (q === "'" && [...out].length !== 1) return null;
  return out;
}

/**
 * A template number literal as text/template/parse reads it: decimal, hex, octal, binary (with
 * `_` separators), floats, and character constants. Returns an error message when malformed.
 */
export function parseGoNumber(lit: string, isChar: boolean): { isInt: boolean; isFloat: boolean; value: number } | string {
  if (isChar) {
    const s = goUnquote(lit);
    if (s === null) return `malformed character constant: ${lit}`;
    return { isInt: true, isFloat: true, value: s.codePointAt(0) ?? 0 };
  }
  const text = lit.replace(/_/g, '');
  if (text.endsWith('i')) return `complex numbers are not supported: ${lit}`;
  let value: number;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) value = Number.parseInt(text, 16);
  else if (/^[+-]?0[bB][01]+$/.test(text)) value = Number.parseInt(text.replace(/0[bB]/, ''), 2);
  else if (/^[+-]?0[oO]?[0-7]+$/.test(text)) value = Number.parseInt(text.replace(/0[oO]?/, ''), 8);
  else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) value = Number(text);
  else return `illegal number syntax: ${goQuote(lit)}`;
  const floatSyntax = /[.eE]/.test(text) && !/^[+-]?0[xX]/.test(text);
  return { isInt: Number.isInteger(value) && !floatSyntax, isFloat: floatSyntax || !Number.isSafeInteger(value), value };
}
