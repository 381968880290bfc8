import { invalidArgument } from '../../errdefs/index.js';

/** Looks a variable up in `KEY=value` env entries (last one wins, as Docker's builder does). */
export function envLookup(env: readonly string[], name: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    if (e.startsWith(`${name}=`)) return e.slice(name.length + 1);
  }
  return undefined;
}

/** Expands `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` starting at s[i] === '$'. */
function expandVar(s: string, i: number, env: readonly string[]): { value: string; next: number } {
  if (s[i + 1] === '{') {
    const end = s.indexOf('}', i + 2);
    if (end < 0) throw invalidArgument(`missing '}' in ${JSON.stringify(s)}`);
    const body = s.slice(i + 2, end);
    const m = /^(\w+)(?::([-+])(.*))?$/s.exec(body);
    if (!m) throw invalidArgument(`bad substitution in ${JSON.stringify(s)}`);
    const v = envLookup(env, m[1]!);
    let value = v ?? '';
    if (m[2] === '-' && !v) value = m[3] ?? '';
    if (m[2] === '+') value = v ? (m[3] ?? '') : '';
    return { value, next: end + 1 };
  }
  const m = /^\w+/.exec(s.slice(i + 1));
  if (!m) return { value: '$', next: i + 1 };
  return { value: envLookup(env, m[0]) ?? '', next: i + 1 + m[0].length };
}

/**
 * Splits an instruction's arguments into words as Docker's builder does (ShellLex.ProcessWords):
 * whitespace separates words; single quotes are literal; double quotes group and allow `$`
 * expansion and `\"` `\\` `\$` escapes; an unquoted backslash escapes the next character.
 */
export function shellWords(s: string, env: readonly string[]): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw invalidArgument(`unexpected end of statement while looking for matching single-quote in ${JSON.stringify(s)}`);
      cur += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw invalidArgument(`unexpected end of statement while looking for matching double-quote in ${JSON.stringify(s)}`);
        const d = s[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < s.length && '"\\$'.includes(s[i + 1]!)) {
          cur += s[i + 1];
          i += 2;
        } else if (d === '$') {
          const r = expandVar(s, i, env);
          cur += r.value;
          i = r.next;
        } else {
          cur += d;
          i++;
        }
      }
    } else if (c === '\\') {
      cur += s[i + 1] ?? '';
      i += 2;
    } else if (c === '$') {
      const r = expandVar(s, i, env);
      cur += r.value;
      i = r.next;
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Expands variables in a single word-ish argument (USER, WORKDIR, STOPSIGNAL), keeping spaces. */
export function expandWord(s: string, env: readonly string[]): string {
  return shellWords(s, env).join(' ');
}

/**
 * `key=value` pairs (ENV, LABEL), or the legacy `KEY value with spaces` form when the first word
 * has no `=`.
 */
export function parseNameValues(args: string, env: readonly string[], instruction: string): Array<[string, string]> {
  const first = /^\S+/.exec(args)?.[0] ?? '';
  if (!first.includes('=')) {
    const rest = args.slice(first.length).trim();
    if (first === '' || rest === '') throw invalidArgument(`${instruction} requires at least one argument`);
    return [[first, expandWord(rest, env)]];
  }
  return shellWords(args, env).map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw invalidArgument(`${instruction} names can not be blank`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** A JSON array of strings (exec form), or undefined when `args` is not one. */
export function parseJSONArray(args: string): string[] | undefined {
  const t = args.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // Not JSON: Docker falls back to shell form.
  }
  return undefined;
}
