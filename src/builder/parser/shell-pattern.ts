/**
 * The `${VAR<op>word}` operators of Docker's ShellLex: `-`, `+`, `?` (with `:` treating empty
 * as unset), and the shell wildcard patterns of `${VAR#p}`, `${VAR%p}` and `${VAR/p/r}` as Docker
 * implements them (`*` any string, `?` one character, `\` escapes `*`, `?`, `\`; no bracket
 * expressions).
 */

/** Converts a shell pattern to a RegExp; `*` is lazy unless `greedy`. Throws on a bad escape. */
export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  // Go's `.` matches anything but \n.
  const star = greedy ? '[^\\n]*' : '[^\\n]*?';
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i];
    if (tok === '*') {
      out += star;
    } else if (tok === '?') {
      out += '[^\\n]';
    } else if (tok === '\\') {
      const next = chars[i + 1];
      // `}` and `/` are escaped only for the ${} syntax; the escape is not part of the pattern.
      if (next === '}' || next === '/') continue;
      if (next !== '*' && next !== '?' && next !== '\\') throw new Error(`invalid escape '\\${next ?? ''}'`);
      out += `\\${next}`;
      i++;
    } else {
      out += tok.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    }
  }
  return new RegExp(out, 'u');
}

function compile(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  try {
    return shellPatternToRegExp(pattern, greedy, anchored);
  } catch (err) {
    throw new Error(`invalid pattern (${pattern}) in substitution: ${(err as Error).message}`);
  }
}

/** `${value#pattern}` (shortest) / `${value##pattern}` (greedy). */
export function trimPrefixPattern(pattern: string, value: string, greedy: boolean): string {
  const m = compile(pattern, greedy, true).exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

// Reverses a pattern without separating an escape from the character it escapes (a\*c → c\*a).
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last; ) {
    const outIdx = last - i;
    if (chars[i] === '\\' && i !== last) {
      out[outIdx - 1] = '\\';
      out[outIdx] = chars[i + 1];
      i += 2;
    } else {
      out[outIdx] = chars[i];
      i++;
    }
  }
  return out.join('');
}

function reverse(s: string): string {
  return Array.from(s).reverse().join('');
}

/**
 * `${value%pattern}` / `${value%%pattern}`. A regex cannot find the shortest rightmost match, so
 * both pattern and value are reversed and a prefix is trimmed (Docker does the same).
 */
export function trimSuffixPattern(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimPrefixPattern(reversePattern(pattern), reverse(value), greedy));
}

/** `${value/pattern/replacement}` (first match) or `${value//pattern/replacement}` (all). */
export function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string {
  const re = compile(pattern, true, false);
  if (all) {
    const g = new RegExp(re.source, 'gu');
    // An empty pattern matches everywhere in Go's ReplaceAllString too.
    return value.replace(g, () => replacement);
  }
  const m = re.exec(value);
  if (!m) return value;
  return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
}

/** Applies `${name<ch>word}` to the variable's value (undefined: unset). Throws for `?`. */
export function applyModifier(m: { name: string; value: string | undefined; ch: string; nullIsUnset: boolean; word: string }): string {
  const { name, value, ch, nullIsUnset, word } = m;
  const unsetLike = value === undefined || (nullIsUnset && value === '');
  switch (ch) {
    case '-':
      return unsetLike ? word : (value ?? '');
    case '+':
      return unsetLike ? '' : word;
    case '?':
      if (value === undefined) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`);
      if (nullIsUnset && value === '') throw new Error(`${name}: ${word || 'is not allowed to be empty'}`);
      return value;
    default: {
      // # and %: shortest match; ## and %%: longest.
      let pattern = word;
      const greedy = pattern.startsWith(ch);
      if (greedy) pattern = pattern.slice(1);
      return ch === '%' ? trimSuffixPattern(pattern, value ?? '', greedy) : trimPrefixPattern(pattern, value ?? '', greedy);
    }
  }
}
