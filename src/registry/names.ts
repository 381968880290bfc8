/**
 * The names of the distribution spec: repository names, tags, digests, and the `<tag-or-digest>`
 * of a manifest URL. Each check throws the code the spec asks for.
 */
import { type Digest, isDigest } from '../lib/digest.js';
import { registryError } from './registry-error.js';

/** `<name>` as the spec's regular expression has it (path components joined by `/`). */
const NAME_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Digest syntax in general (any algorithm), to tell "unsupported" from "not a digest". */
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Longest name we accept: clients limit `host:port/name` to 255 characters. */
export const MAX_NAME_LENGTH = 255;

export function isRepositoryName(s: string): boolean {
  return s.length <= MAX_NAME_LENGTH && NAME_RE.test(s);
}

/** Validates a repository name (NAME_INVALID otherwise). */
export function checkRepositoryName(s: string): string {
  if (!isRepositoryName(s)) throw registryError('NAME_INVALID', 'invalid repository name', { detail: { name: s } });
  return s;
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

/** Parses a digest given by a client; only sha256 is stored here (DIGEST_INVALID otherwise). */
export function parseClientDigest(s: string): Digest {
  if (isDigest(s)) return s;
  const message = ANY_DIGEST_RE.test(s) ? `unsupported digest algorithm in "${s}": only sha256 is supported` : `invalid digest "${s}"`;
  throw registryError('DIGEST_INVALID', message, { detail: { digest: s } });
}

/** A manifest reference: a tag or a digest. */
export type Reference = { tag: string; digest?: undefined } | { digest: Digest; tag?: undefined };

/** Parses the `<tag-or-digest>` of a manifest URL. */
export function parseReference(s: string): Reference {
  if (s.includes(':')) return { digest: parseClientDigest(s) };
  if (!isTag(s)) throw registryError('MANIFEST_INVALID', `invalid tag "${s}"`, { status: 400, detail: { tag: s } });
  return { tag: s };
}

/** The loopback hosts, where plain HTTP is allowed without `--insecure`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}
