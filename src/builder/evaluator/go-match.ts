/**
 * Go's path/filepath.Match on slash paths, which COPY/ADD use for wildcard sources (moby
 * copyWithWildcards): `*` and `?` never match `/`, `[a-z]` / `[^a-z]` classes, `\` escapes.
 * A malformed pattern matches nothing (Go returns ErrBadPattern, which moby ignores).
 */

/** True when a source path has wildcards Docker expands (moby containsWildcards). */
export function containsWildcards(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

const cache = new Map<string, RegExp | null>();

function compile(pattern: string): RegExp | null {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) return null;
      re += escapeRe(pattern[++i]!);
    } else if (c === '[') {
      const end = classEnd(pattern, i + 1);
      if (end < 0) return null;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body === '') return null;
      const inner = body.replace(/\\(.)/g, (_, x: string) => escapeRe(x)).replace(/[\]^]/g, '\\$&');
      re += negate ? `[^/${inner}]` : `[${inner}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

/** Index of the `]` closing a class that starts at `from` (after `[`), honouring escapes; -1 when unclosed. */
function classEnd(p: string, from: number): number {
  for (let i = from; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === ']' && i > from) return i;
  }
  return -1;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Go's filepath.Match(pattern, name) for slash paths. */
export function goMatch(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = compile(pattern);
    cache.set(pattern, re);
  }
  return re?.test(name) ?? false;
}
