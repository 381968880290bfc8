import { invalidArgument } from '../errdefs/index.js';

/** Docker Hub's key in a CLI auth map (moby registry.IndexServer). */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** moby registry.ConvertToHostname: `https://host:5000/v1/` → `host:5000`. */
function toHostname(key: string): string {
  const bare = key.replace(/^https?:\/\//, '');
  return bare.split('/')[0] ?? bare;
}

/**
 * `X-Registry-Config` (POST /build): base64url JSON of a map from registry address to AuthConfig,
 * every credential the CLI knows, since it cannot tell which registries the Dockerfile pulls
 * from. Returns the entry for `domain` (moby ResolveAuthConfig: Docker Hub by its index key, any
 * other registry by the hostname of its key) re-encoded as an `X-Registry-Auth` value for the
 * pull service, or undefined when there is none. Standard base64 is accepted too, as dockerd.
 */
export function registryAuthFor(header: string | string[] | undefined, domain: string): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw invalidArgument('invalid X-Registry-Config header: not base64-encoded JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const map = doc as Record<string, unknown>;
  const hub = domain === 'docker.io';
  let entry = hub ? map[DOCKER_HUB_KEY] : map[domain];
  if (entry === undefined) {
    const key = Object.keys(map).find((k) => (hub ? toHostname(k) === 'index.docker.io' : toHostname(k) === domain));
    entry = key === undefined ? undefined : map[key];
  }
  if (!entry || typeof entry !== 'object') return undefined;
  return Buffer.from(JSON.stringify(entry)).toString('base64url');
}
