/**
 * `.dockerignore` with Docker's semantics: moby/patternmatcher (the matcher) and
 * moby/buildkit `frontend/dockerfile/dockerignore` + docker/cli `build` (reading and the
 * Dockerfile / .dockerignore exceptions).
 *
 * Hand-written rather than `@balena/dockerignore@1.0.2`, which was evaluated: it ports the
 * Docker 19.03 matcher, so (1) it is case-INsensitive by default (Docker on Linux is
 * case-sensitive), (2) it lacks patternmatcher's prefix/suffix match kinds (`**foo` matches
 * `xfoo` in Docker), (3) it answers per path only, while the context walk also needs Docker's
 * rule for descending into an excluded directory (only when an exclusion pattern starts with it),
 * and (4) it does not report malformed patterns (`[` → "syntax error in pattern").
 */
import { invalidArgument } from '../../errdefs/index.js';
import { BAD_PATTERN, BadPatternError, goClean, goMatch } from './go-path.js';

/**
 * Reads a .dockerignore file's text into patterns, as Docker's ReadAll: a BOM is dropped, lines
 * starting with `#` are comments, surrounding whitespace is trimmed, patterns are cleaned
 * (filepath.Clean) and a leading `/` is removed; `!` marks an exception.
 */
export function readDockerignore(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? `!${pattern}` : pattern);
  }
  return out;
}

type MatchKind = 'exact' | 'prefix' | 'suffix' | 'regexp';

interface Pattern {
  /** Cleaned pattern text without the `!`. */
  text: string;
  exclusion: boolean;
  kind: MatchKind;
  regexp?: RegExp;
}

/** Regex characters that are not filepath.Match syntax and so must be escaped. */
const ESCAPED = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

/** patternmatcher's compile: a pattern → its match kind (and regex). */
function compile(text: string): Pick<Pattern, 'kind' | 'regexp'> {
  const chars = Array.from(text);
  let re = '^';
  let kind: MatchKind = 'exact';
  let inClass = false;
  for (let i = 0, pos = 0; pos < chars.length; i++) {
    const ch = chars[pos++];
    if (ch === '*') {
      if (chars[pos] === '*') {
        pos++;
        if (chars[pos] === '/') pos++; // `**/` is `**`
        if (pos >= chars.length) {
          // A trailing `**` matches everything below, like .gitignore.
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '[^]*';
            kind = 'regexp';
          }
        } else {
          re += '(?:[^]*/)?';
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (ESCAPED.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (pos < chars.length) {
        re += escapeRegexChar(chars[pos++]);
        kind = 'regexp';
      } else {
        re += '\\\\';
      }
    } else if (ch === '[' || ch === ']') {
      // A `]` outside a class is literal for Go but a syntax error in a JS u-mode regex.
      re += ch === ']' && !inClass ? '\\]' : ch;
      inClass = ch === '[';
      kind = 'regexp';
    } else {
      // Go passes everything else through, `^` included (it negates a class: `[^a]`).
      re += ch === '/' ? '\\/' : ch;
    }
  }
  if (kind !== 'regexp') return { kind };
  try {
    return { kind, regexp: new RegExp(`${re}$`, 'u') };
  } catch {
    throw invalidArgument(BAD_PATTERN);
  }
}

// An escaped pattern character, literal in the regex (JS's u-mode rejects escapes like `\\a`).
function escapeRegexChar(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function matchOne(p: Pattern, path: string): boolean {
  switch (p.kind) {
    case 'exact':
      return path === p.text;
    case 'prefix':
      return path.startsWith(p.text.slice(0, -2));
    case 'suffix': {
      const suffix = p.text.slice(2);
      if (path.endsWith(suffix)) return true;
      return suffix.startsWith('/') && path === suffix.slice(1);
    }
    default:
      return p.regexp?.test(path) ?? false;
  }
}

/** Per-pattern results for a directory, handed to its children (MatchesUsingParentResults). */
export type ParentMatches = readonly boolean[];

/**
 * Docker's PatternMatcher. Patterns are evaluated in order; a later match wins, `!` patterns
 * re-include. A path is also excluded when one of its parent directories is.
 */
export class PatternMatcher {
  private readonly patterns: Pattern[] = [];
  /** True when some pattern is an exception (`!…`). */
  readonly hasExclusions: boolean;

  /** @throws InvalidArgument `syntax error in pattern` / `illegal exclusion pattern: "!"`. */
  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      p = goClean(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw invalidArgument('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      try {
        goMatch(p, '.');
      } catch (err) {
        if (err instanceof BadPatternError) throw invalidArgument(BAD_PATTERN);
        throw err;
      }
      this.patterns.push({ text: p, exclusion, ...compile(p) });
    }
    this.hasExclusions = this.patterns.some((p) => p.exclusion);
  }

  /** The patterns as cleaned, `!` kept. */
  get list(): string[] {
    return this.patterns.map((p) => (p.exclusion ? `!${p.text}` : p.text));
  }

  /** Whether `file` (a clean relative slash path) is excluded — MatchesOrParentMatches. */
  matches(file: string): boolean {
    return this.matchesWithParents(file).excluded;
  }

  /**
   * Like {@link matches}, reusing the per-pattern results of the parent directory (pass
   * undefined for a top-level path, or when unknown). Returns this path's results for its children.
   */
  matchesWithParents(file: string, parent?: ParentMatches): { excluded: boolean; results: boolean[] } {
    let excluded = false;
    const results = new Array<boolean>(this.patterns.length).fill(false);
    const dir = parentDir(file);
    const dirs = dir === '.' ? [] : dir.split('/');
    this.patterns.forEach((p, i) => {
      let match = parent?.[i] ?? false;
      if (!match) {
        // An exception only matters once excluded, an exclusion only while included.
        if (p.exclusion !== excluded) return;
        match = matchOne(p, file);
        if (!match && parent === undefined) {
          for (let k = 1; k <= dirs.length && !match; k++) match = matchOne(p, dirs.slice(0, k).join('/'));
        }
      }
      results[i] = match;
      if (match) excluded = !p.exclusion;
    });
    return { excluded, results };
  }

  /**
   * Whether an excluded directory must still be walked because an exception may re-include
   * something inside it: Docker's rule is that some `!pattern` starts with `dir/`.
   */
  mustDescend(dir: string): boolean {
    if (!this.hasExclusions) return false;
    const prefix = `${dir}/`;
    return this.patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(prefix));
  }
}

function parentDir(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '.' : file.slice(0, i);
}

/**
 * docker/cli's TrimBuildFilesFromExcludes: the Dockerfile and .dockerignore are always sent to
 * the daemon (it reads them), so exceptions are appended for them when they would be excluded.
 * `dockerfile` is its path inside the context; undefined when it comes separately (stdin).
 */
export function keepBuildFiles(patterns: readonly string[], dockerfile?: string): string[] {
  const out = [...patterns];
  const pm = new PatternMatcher(patterns);
  if (pm.matches('.dockerignore')) out.push('!.dockerignore');
  if (dockerfile !== undefined) {
    const df = goClean(dockerfile);
    if (df !== '.' && pm.matches(df)) out.push(`!${df}`);
  }
  return out;
}
