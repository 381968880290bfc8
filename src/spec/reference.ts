/**
 * Image references with Docker's grammar and normalisation (github.com/distribution/reference):
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *
 * `busybox` normalises to `docker.io/library/busybox` (and `:latest` once tagged), a first
 * component with a `.` or `:` or equal to `localhost` is a registry domain, and the familiar
 * (short) form drops `docker.io/` and `library/` again for display.
 */
import { invalidArgument, type WharfError } from '../errdefs/index.js';
import type { Digest } from '../lib/digest.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO = 'library';
const NAME_TOTAL_LENGTH_MAX = 255;

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;

/** A named reference, always in normalised form (`docker.io/library/busybox`). */
export interface NamedReference {
  /** Registry host (and port): `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path within the registry: `library/busybox`, `a/b`. */
  path: string;
  tag?: string;
  digest?: Digest;
}

/** What `ParseAnyReference` yields: a name, or a bare image ID / digest. */
export type AnyReference = { kind: 'named'; ref: NamedReference } | { kind: 'digest'; digest: Digest };

export function invalidReferenceFormat(): WharfError {
  return invalidArgument('invalid reference format');
}

function parseDigestPart(d: string): Digest {
  const i = d.indexOf(':');
  const alg = d.slice(0, i);
  const hex = d.slice(i + 1);
  if (alg !== 'sha256') {
    if (alg === 'sha384' || alg === 'sha512') throw invalidArgument(`unsupported digest algorithm: ${alg}`);
    throw invalidArgument('unsupported digest algorithm');
  }
  if (!/^[a-f0-9]*$/.test(hex)) throw invalidArgument('invalid checksum digest format');
  if (hex.length !== 64) throw invalidArgument('invalid checksum digest length');
  return `sha256:${hex}`;
}

/** Parses a reference exactly as written (no normalisation); `Parse` in Go. */
function parseExact(s: string): { name: string; tag?: string; digest?: Digest } {
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    if (s === '') throw invalidArgument('invalid reference format: repository name must have at least one component');
    if (REFERENCE_RE.test(s.toLowerCase())) throw invalidArgument('invalid reference format: repository name must be lowercase');
    throw invalidReferenceFormat();
  }
  if (m[1]!.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalidArgument(`invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const out: { name: string; tag?: string; digest?: Digest } = { name: m[1]! };
  if (m[2] !== undefined) out.tag = m[2];
  if (m[3] !== undefined) out.digest = parseDigestPart(m[3]);
  return out;
}

/** Docker's splitDockerDomain: where the registry ends and the repository path begins. */
function splitDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i < 0 ? '' : name.slice(0, i);
  if (i < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = `${OFFICIAL_REPO}/${remainder}`;
  return { domain, remainder };
}

/**
 * Parses a user-supplied name into its normalised form (`ParseNormalizedNamed`).
 * @throws InvalidArgument with Docker's wording (`invalid reference format…`).
 */
export function parseNormalizedNamed(s: string): NamedReference {
  if (IDENTIFIER_RE.test(s)) {
    throw invalidArgument(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDomain(s);
  const colon = remainder.indexOf(':');
  const remoteName = colon < 0 ? remainder : remainder.slice(0, colon);
  if (remoteName.toLowerCase() !== remoteName) {
    throw invalidArgument('invalid reference format: repository name must be lowercase');
  }
  const p = parseExact(`${domain}/${remainder}`);
  const slash = p.name.indexOf('/');
  const ref: NamedReference = { domain: p.name.slice(0, slash), path: p.name.slice(slash + 1) };
  if (p.tag !== undefined) ref.tag = p.tag;
  if (p.digest !== undefined) ref.digest = p.digest;
  return ref;
}

/**
 * Parses a name, a full 64-hex image ID, or a `sha256:` digest (`ParseAnyReference`). Short ID
 * prefixes come back as names (they are valid names); callers search IDs separately.
 */
export function parseAnyReference(s: string): AnyReference {
  if (IDENTIFIER_RE.test(s)) return { kind: 'digest', digest: `sha256:${s}` };
  if (/^sha256:[a-f0-9]{64}$/.test(s)) return { kind: 'digest', digest: s as Digest };
  return { kind: 'named', ref: parseNormalizedNamed(s) };
}

/** `domain/path`: the full repository name. */
export function repositoryName(ref: NamedReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full string form: `docker.io/library/busybox:latest`, `…@sha256:…`. */
export function referenceString(ref: NamedReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The repository name as users write it: `busybox`, `localhost:5000/a/b`. */
export function familiarName(ref: NamedReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  const parts = ref.path.split('/');
  return parts.length === 2 && parts[0] === OFFICIAL_REPO ? parts[1]! : ref.path;
}

/** The reference as users write it: `busybox:latest`, `a/b@sha256:…`. */
export function familiarString(ref: NamedReference): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** True when the reference has neither tag nor digest. */
export function isNameOnly(ref: NamedReference): boolean {
  return ref.tag === undefined && ref.digest === undefined;
}

/** Adds the default tag `latest` to a name-only reference (`TagNameOnly`). */
export function tagNameOnly(ref: NamedReference): NamedReference {
  return isNameOnly(ref) ? { ...ref, tag: 'latest' } : ref;
}

/** The reference with `tag` (replacing any tag, dropping any digest); validates the tag. */
export function withTag(ref: NamedReference, tag: string): NamedReference {
  if (!TAG_RE.test(tag)) throw invalidArgument('invalid tag format');
  return { domain: ref.domain, path: ref.path, tag };
}

/** The reference with `digest` instead of tag/digest (a canonical `name@digest`). */
export function withDigest(ref: NamedReference, digest: Digest): NamedReference {
  return { domain: ref.domain, path: ref.path, digest };
}

/**
 * Go's `path.Match` as a RegExp: `*` and `?` do not cross `/`, `[…]`/`[^…]` are classes, `\`
 * escapes. @throws InvalidArgument `syntax error in pattern` for a malformed pattern.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (++i >= pattern.length) throw invalidArgument('syntax error in pattern');
      re += escapeRe(pattern[i]!);
    } else if (c === '[') {
      const end = classEnd(pattern, i + 1);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body === '') throw invalidArgument('syntax error in pattern');
      re += `[${negate ? '^' : ''}${classBody(body)}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

function classEnd(pattern: string, from: number): number {
  for (let j = from; j < pattern.length; j++) {
    if (pattern[j] === '\\') j++;
    else if (pattern[j] === ']') return j;
  }
  throw invalidArgument('syntax error in pattern');
}

/** A class body for RegExp: `\\x` is a literal x, `-` stays a range operator. */
function classBody(body: string): string {
  let out = '';
  for (let j = 0; j < body.length; j++) {
    const c = body[j] === '\\' ? body[++j]! : body[j]!;
    out += c === '-' && body[j - 1] !== '\\' ? '-' : c.replace(/[\]\\^-]/g, '\\$&');
  }
  return out;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Docker's `FamiliarMatch`: the glob matches the familiar string (`busybox:latest`) or, failing
 * that, the familiar name (`busybox`). Used by the `reference` filter of image lists.
 */
export function familiarMatch(pattern: string, ref: NamedReference): boolean {
  const re = globToRegExp(pattern);
  return re.test(familiarString(ref)) || re.test(familiarName(ref));
}
