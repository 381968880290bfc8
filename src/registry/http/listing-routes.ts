/** `/v2/` (the version check), tags list, `_catalog` and the referrers API. */
import type { Descriptor, Index } from '../../spec/oci/image.js';
import { MediaType } from '../../spec/oci/media-types.js';
import { parseClientDigest } from '../names.js';
import { registryError } from '../registry-error.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import { type Exchange, paginate, sendJSON } from './exchange.js';
import { type Route, repoAccess } from './route.js';

async function base(x: Exchange): Promise<void> {
  sendJSON(x, 200, {});
}

async function tagsList(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name] = x.params as [string];
  const tags = await s.repos.tags(name);
  if (!tags) throw registryError('NAME_UNKNOWN', undefined, { detail: { name } });
  const page = paginate(tags, x.query, `/v2/${name}/tags/list`);
  sendJSON(x, 200, { name, tags: page.items }, page.link ? { Link: page.link } : {});
}

async function catalog(x: Exchange, s: RegistryStorage): Promise<void> {
  const page = paginate(await s.repos.repositories(), x.query, '/v2/_catalog');
  sendJSON(x, 200, { repositories: page.items }, page.link ? { Link: page.link } : {});
}

/**
 * Manifests in the repository whose subject is the digest, as an OCI index. An unknown
 * repository or subject gives an empty index (never 404: a 404 tells clients the API is missing).
 */
async function referrers(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, ref] = x.params as [string, string];
  let subject: ReturnType<typeof parseClientDigest>;
  try {
    subject = parseClientDigest(ref);
  } catch (err) {
    throw registryError('DIGEST_INVALID', (err as Error).message, { status: 400, detail: { digest: ref } });
  }
  let manifests: Descriptor[] = await s.repos.referrers(name, subject);
  const headers: Record<string, string> = { 'Content-Type': MediaType.ociIndex };
  const artifactType = x.query.get('artifactType');
  if (artifactType) {
    manifests = manifests.filter((d) => d.artifactType === artifactType);
    headers['OCI-Filters-Applied'] = 'artifactType';
  }
  const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  sendJSON(x, 200, index, headers);
}

export const listingRoutes: Route[] = [
  { methods: ['GET', 'HEAD'], pattern: /^\/v2\/?$/, named: false, access: () => [], handle: base },
  {
    methods: ['GET'],
    pattern: /^\/v2\/_catalog$/,
    named: false,
    access: () => [{ type: 'registry', name: 'catalog', actions: ['*'] }],
    handle: catalog,
  },
  { methods: ['GET'], pattern: /^\/v2\/(.+)\/tags\/list$/, named: true, access: (x) => repoAccess(x.params[0]!, 'pull'), handle: tagsList },
  { methods: ['GET'], pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, named: true, access: (x) => repoAccess(x.params[0]!, 'pull'), handle: referrers },
];
