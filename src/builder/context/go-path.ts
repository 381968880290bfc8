/**
 * Go's path/filepath semantics that Docker's build context rules depend on: `filepath.Clean`
 * (pattern and source-path normalisation) and `filepath.Match` (COPY/ADD wildcards, and the
 * syntax check of .dockerignore patterns). Hand-written ports of the algorithms: Node's
 * path.posix.normalize keeps trailing slashes and `./`-less results differ, and no npm glob
 * library implements Go's Match (minimatch/picomatch have bash semantics: braces, extglobs,
 * `!` negation, dotfile rules).
 */

/** Go's ErrBadPattern text. */
export const BAD_PATTERN = 'syntax error in pattern';

/** Thrown by {@link goMatch} for a malformed pattern. */
export class BadPatternError extends Error {
  constructor() {
    super(BAD_PATTERN);
    this.name = 'BadPatternError';
  }
}

/** Go's filepath.Clean on Unix: shortest equivalent path; '' → '.'; no trailing slash. */
export function goClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Docker's containsWildcards: an unescaped `*`, `?` or `[`. */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/**
 * Go's filepath.Match (Unix): `*` any run of non-`/` characters, `?` one non-`/` character,
 * `[a-z]` / `[^a-z]` classes, `\` escapes. The whole name must match.
 * @throws BadPatternError when the pattern is malformed (also when the match fails early).
 */
export function goMatch(pattern: string, name: string): boolean {
  let pat = Array.from(pattern);
  let s = Array.from(name);
  outer: while (pat.length > 0) {
    const { star, chunk, rest } = scanChunk(pat);
    pat = rest;
    if (star && chunk.length === 0) return !s.includes('/');
    const t = matchChunk(chunk, s);
    if (t !== undefined && (t.length === 0 || pat.length > 0)) {
      s = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < s.length && s[i] !== '/'; i++) {
        const t2 = matchChunk(chunk, s.slice(i + 1));
        if (t2 !== undefined) {
          if (pat.length === 0 && t2.length > 0) continue;
          s = t2;
          continue outer;
        }
      }
    }
    // Before answering false, check that the rest of the pattern is well-formed (Go does).
    while (pat.length > 0) {
      const next = scanChunk(pat);
      pat = next.rest;
      matchChunk(next.chunk, []);
    }
    return false;
  }
  return s.length === 0;
}

function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let i = 0;
  let star = false;
  while (i < pattern.length && pattern[i] === '*') {
    i++;
    star = true;
  }
  const p = pattern.slice(i);
  let inRange = false;
  let j = 0;
  for (; j < p.length; j++) {
    const c = p[j];
    if (c === '\\') {
      if (j + 1 < p.length) j++;
    } else if (c === '[') inRange = true;
    else if (c === ']') inRange = false;
    else if (c === '*' && !inRange) break;
  }
  return { star, chunk: p.slice(0, j), rest: p.slice(j) };
}

/** Matches one chunk at the start of `s`: the rest of `s`, or undefined when it does not match. */
function matchChunk(chunkIn: string[], sIn: string[]): string[] | undefined {
  let chunk = chunkIn;
  let s = sIn;
  // After a mismatch Go keeps scanning the chunk only to validate it.
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === '[') {
      const r = failed ? '' : s[0];
      if (!failed) s = s.slice(1);
      const cls = matchClass(chunk.slice(1), r);
      chunk = cls.rest;
      if (cls.matched === false) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === '/') failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    } else {
      let lit = c;
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) throw new BadPatternError();
        lit = chunk[0];
      }
      if (!failed) {
        if (lit !== s[0]) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  return failed ? undefined : s;
}

/** Parses `[...]` after the `[`; `matched` is whether `r` is in the class (false when `r` is ''). */
function matchClass(chunkIn: string[], r: string): { matched: boolean; rest: string[] } {
  let chunk = chunkIn;
  let negated = false;
  if (chunk[0] === '^') {
    negated = true;
    chunk = chunk.slice(1);
  }
  let match = false;
  let nrange = 0;
  for (;;) {
    if (chunk[0] === ']' && nrange > 0) {
      chunk = chunk.slice(1);
      break;
    }
    const lo = getEsc(chunk);
    chunk = lo.rest;
    let hi = lo.ch;
    if (chunk[0] === '-') {
      const h = getEsc(chunk.slice(1));
      hi = h.ch;
      chunk = h.rest;
    }
    const cp = r === '' ? -1 : (r.codePointAt(0) as number);
    if ((lo.ch.codePointAt(0) as number) <= cp && cp <= (hi.codePointAt(0) as number)) match = true;
    nrange++;
  }
  return { matched: r !== '' && match !== negated, rest: chunk };
}

function getEsc(chunkIn: string[]): { ch: string; rest: string[] } {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw new BadPatternError();
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw new BadPatternError();
  }
  const ch = chunk[0];
  const rest = chunk.slice(1);
  if (rest.length === 0) throw new BadPatternError();
  return { ch, rest };
}
