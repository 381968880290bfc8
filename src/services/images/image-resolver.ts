import type { ImageRecord, ImageStore } from '../../core/images/image-store.js';
import { notFound, type WharfError } from '../../errdefs/index.js';
import {
  familiarString,
  type NamedReference,
  parseAnyReference,
  repositoryName,
  tagNameOnly,
  withDigest,
} from '../../spec/reference.js';

/** Docker's `No such image: X` (ErrImageDoesNotExist), X in familiar form with its tag. */
export function noSuchImage(what: string | NamedReference): WharfError {
  const s = typeof what === 'string' ? what : familiarString(what.digest ? what : tagNameOnly(what));
  return notFound(`No such image: ${s}`);
}

/**
 * The image a reference points at, Docker's refstore rules: a digest reference wins over a tag
 * (`name:tag@digest` looks up `name@digest`), a bare name means `:latest`. A digest reference not
 * recorded as a repo digest still finds an image of that repository whose manifest has that
 * digest (Wharf records manifests of loaded images; Docker only of pulled ones).
 */
export function lookupNamed(store: ImageStore, ref: NamedReference): ImageRecord | undefined {
  if (ref.digest) {
    const canonical = withDigest(ref, ref.digest);
    const id = store.lookupRef(canonical);
    if (id) return store.get(id);
    const repo = repositoryName(ref);
    for (const { ref: r, id: candidate } of store.allRefs()) {
      if (repositoryName(r) !== repo) continue;
      const rec = store.get(candidate);
      if (rec?.manifest?.digest === ref.digest) return rec;
    }
    return undefined;
  }
  const id = store.lookupRef(tagNameOnly(ref));
  return id ? store.get(id) : undefined;
}

/**
 * Resolves what a user typed to an image, as dockerd's GetImage does: a full ID or `sha256:`
 * digest; else a reference (`busybox`, `busybox:1`, `name@sha256:…`); else an ID prefix
 * (`2b8fd9751c4c`, `sha256:2b8f`). An ambiguous prefix matches nothing, as in Docker.
 * @throws InvalidArgument for a malformed reference, NotFound `No such image: X` otherwise.
 */
export function resolveImage(store: ImageStore, refOrId: string): ImageRecord {
  const any = parseAnyReference(refOrId);
  if (any.kind === 'digest') {
    const rec = store.get(any.digest);
    if (rec) return rec;
    throw noSuchImage(any.digest);
  }
  const byRef = lookupNamed(store, any.ref);
  if (byRef) return byRef;
  const byId = store.searchId(refOrId);
  if (byId && byId !== 'ambiguous') return byId;
  throw noSuchImage(any.ref);
}

/**
 * True when `term` is a prefix of the image ID, with or without `sha256:` (Docker's
 * isImageIDPrefix): rmi then removes the image, not one of its references.
 */
export function isImageIdPrefix(id: string, term: string): boolean {
  return id.startsWith(term) || id.slice(id.indexOf(':') + 1).startsWith(term);
}
