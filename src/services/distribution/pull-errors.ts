/**
 * dockerd's translatePullError: a registry's "not there" answers become a 404 naming the image
 * the user asked for — `manifest for 127.0.0.1:5000/spy/nosuch:1 not found: manifest unknown:
 * manifest unknown` — and any other failure keeps its own text (and, for auth failures, dockerd's
 * status 500).
 */
import { internal, isKind, notFound } from '../../errdefs/index.js';
import { entryText, RegistryError } from '../../plugins/registry-client/registry-errors.js';
import { familiarName, familiarString, type NamedReference } from '../../spec/reference.js';

export function translatePullError(err: unknown, ref: NamedReference): unknown {
  if (!(err instanceof RegistryError) || err.entries.length === 0) return unprompted(err);
  const first = err.entries[0]!;
  const cause = entryText(first);
  switch (first.code) {
    case 'MANIFEST_UNKNOWN':
      return notFound(`manifest for ${familiarString(ref)} not found: ${cause}`, { cause: err });
    case 'NAME_UNKNOWN':
      return notFound(`repository ${familiarName(ref)} not found: ${cause}`, { cause: err });
    case 'DENIED':
      return notFound(`pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${cause}`, { cause: err });
    default:
      return unprompted(err);
  }
}

/**
 * dockerd answers a registry's refusal of credentials with 500 (errdefs.Unknown), not 401: the
 * docker CLI reacts to a 401 by prompting for a login and retrying, which dockerd never causes.
 */
export function unprompted(err: unknown): unknown {
  return isKind(err, 'Unauthorized') ? internal((err as Error).message, { cause: err }) : err;
}
