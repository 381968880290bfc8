/** `/v2/<name>/manifests/<tag-or-digest>`: PUT, GET/HEAD (with Accept negotiation), DELETE. */
import { type Digest, sha256 } from '../../lib/digest.js';
import type { Descriptor } from '../../spec/oci/image.js';
import { isTag, parseReference } from '../names.js';
import { MAX_MANIFEST_BYTES, parseManifest, referrerDescriptor } from '../manifest-parse.js';
import { registryError, type WireError } from '../registry-error.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import type { Revision } from '../storage/repository-store.js';
import { type Exchange, readBody, sendEmpty } from './exchange.js';
import { actionsFor, type Route, repoAccess } from './route.js';

const manifestUnknown = (name: string, reference: string, message?: string) =>
  registryError('MANIFEST_UNKNOWN', message, { detail: { Name: name, Revision: reference } });

/** The manifest a tag or digest names in the repository (MANIFEST_UNKNOWN / NAME_UNKNOWN). */
async function lookup(s: RegistryStorage, name: string, reference: string): Promise<Revision> {
  const ref = parseReference(reference);
  const digest = ref.digest ?? (await s.repos.resolveTag(name, ref.tag));
  const rev = digest && (await s.repos.revision(name, digest));
  if (rev) return rev;
  if (!(await s.repos.exists(name))) throw registryError('NAME_UNKNOWN', undefined, { detail: { name } });
  throw manifestUnknown(name, reference, ref.tag ? `manifest unknown` : undefined);
}

/** The media types an `Accept` header lists (empty: anything goes). */
function accepted(h: string | string[] | undefined): string[] {
  const all = Array.isArray(h) ? h.join(',') : (h ?? '');
  return all
    .split(',')
    .map((t) => t.split(';')[0]!.trim().toLowerCase())
    .filter((t) => t !== '');
}

/**
 * Content negotiation: the stored type if the client accepts it; for an index a client does not
 * accept, its linux/amd64 manifest (as Docker's registry does for old clients); else 404.
 */
async function negotiate(s: RegistryStorage, name: string, rev: Revision, accept: string[]): Promise<Revision> {
  if (accept.length === 0 || accept.includes(rev.mediaType) || accept.includes('*/*')) return rev;
  const bytes = await s.blobs.readBytes(rev.digest);
  const children = bytes ? ((JSON.parse(bytes.toString()) as { manifests?: Descriptor[] }).manifests ?? []) : [];
  const pick = children.find((c) => c.platform?.os === 'linux' && c.platform.architecture === 'amd64' && accept.includes(c.mediaType));
  const child = pick && (await s.repos.revision(name, pick.digest));
  if (child) return child;
  throw manifestUnknown(name, rev.digest, `manifest of type ${rev.mediaType} found, but the Accept header does not allow it`);
}

async function getManifest(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, reference] = x.params as [string, string];
  const rev = await negotiate(s, name, await lookup(s, name, reference), accepted(x.req.headers.accept));
  const headers = { 'Content-Type': rev.mediaType, 'Content-Length': rev.size, 'Docker-Content-Digest': rev.digest, Etag: `"${rev.digest}"` };
  if (x.method === 'HEAD') {
    x.res.writeHead(200, headers);
    x.res.end();
    return;
  }
  const bytes = await s.blobs.readBytes(rev.digest);
  if (!bytes) throw manifestUnknown(name, reference);
  x.res.writeHead(200, headers);
  x.res.end(bytes);
}

/** Tags to point at the pushed manifest: the URL's tag, or `?tag=` values when pushed by digest. */
function tagsOf(x: Exchange, reference: { tag?: string }): string[] {
  if (reference.tag) return [reference.tag];
  const tags = x.query.getAll('tag');
  for (const t of tags) if (!isTag(t)) throw registryError('MANIFEST_INVALID', `invalid tag "${t}"`, { detail: { tag: t } });
  return tags;
}

/** MANIFEST_BLOB_UNKNOWN for every referenced blob or child manifest the repository lacks. */
async function missingReferences(s: RegistryStorage, name: string, blobs: Descriptor[], manifests: Descriptor[]): Promise<WireError[]> {
  const missing: WireError[] = [];
  for (const d of blobs) {
    // Fresh lookups: the answer decides what a committed manifest may reference.
    if ((await s.repos.blobSize(name, d.digest, { fresh: true })) === undefined) {
      missing.push({ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: { digest: d.digest } });
    }
  }
  for (const d of manifests) {
    if (!(await s.repos.revision(name, d.digest, { fresh: true }))) {
      missing.push({ code: 'MANIFEST_BLOB_UNKNOWN', message: 'manifest unknown to registry', detail: { digest: d.digest } });
    }
  }
  return missing;
}

async function putManifest(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, reference] = x.params as [string, string];
  const ref = parseReference(reference);
  const body = await readBody(x, MAX_MANIFEST_BYTES, 'MANIFEST_INVALID');
  const parsed = parseManifest(body, x.req.headers['content-type']);
  const digest = sha256(body);
  if (ref.digest && ref.digest !== digest) {
    throw registryError('DIGEST_INVALID', `manifest digest is ${digest}, not ${ref.digest}`, { detail: { digest: ref.digest, actual: digest } });
  }
  const tags = tagsOf(x, ref);
  const refs: Digest[] = [digest, ...parsed.blobs.map((d) => d.digest), ...parsed.manifests.map((d) => d.digest)];
  // Pinned while checked and committed, so a concurrent gc cannot delete what this references.
  await s.guard.withPins(refs, async () => {
    const missing = await missingReferences(s, name, parsed.blobs, parsed.manifests);
    if (missing.length > 0) {
      const [first, ...more] = missing;
      throw registryError('MANIFEST_BLOB_UNKNOWN', first!.message, { detail: first!.detail, more });
    }
    await s.blobs.writeBytes(body);
    await s.repos.putManifest(name, { digest, mediaType: parsed.mediaType }, tags);
    if (parsed.subject) await s.repos.addReferrer(name, parsed.subject.digest, referrerDescriptor(parsed, digest, body.length));
  });
  const headers: Record<string, string | string[]> = { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest };
  if (parsed.subject) headers['OCI-Subject'] = parsed.subject.digest;
  if (ref.digest && tags.length > 0) headers['OCI-Tag'] = tags;
  sendEmpty(x, 201, headers);
}

async function deleteManifest(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, reference] = x.params as [string, string];
  const { tag, digest } = parseReference(reference);
  if (digest === undefined) {
    if (!(await s.repos.deleteTag(name, tag))) throw manifestUnknown(name, reference);
    sendEmpty(x, 202);
    return;
  }
  const bytes = (await s.repos.revision(name, digest)) && (await s.blobs.readBytes(digest));
  if (!bytes || !(await s.repos.deleteRevision(name, digest))) throw manifestUnknown(name, reference);
  const subject = subjectOf(bytes);
  if (subject) await s.repos.removeReferrer(name, subject, digest);
  sendEmpty(x, 202);
}

/** The subject digest of stored manifest bytes, if any. */
function subjectOf(bytes: Buffer): Digest | undefined {
  try {
    return (JSON.parse(bytes.toString()) as { subject?: Descriptor }).subject?.digest;
  } catch {
    return undefined;
  }
}

const PATTERN = /^\/v2\/(.+)\/manifests\/([^/]+)$/;

export const manifestRoutes: Route[] = [
  { methods: ['GET', 'HEAD'], pattern: PATTERN, named: true, access: (x) => repoAccess(x.params[0]!, 'pull'), handle: getManifest },
  { methods: ['PUT'], pattern: PATTERN, named: true, access: (x) => repoAccess(x.params[0]!, 'pull', 'push'), handle: putManifest },
  { methods: ['DELETE'], pattern: PATTERN, named: true, access: (x) => repoAccess(x.params[0]!, ...actionsFor('DELETE')), handle: deleteManifest },
];
