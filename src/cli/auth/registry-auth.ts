/**
 * The `X-Registry-Auth` header our CLI sends on pull, push and search, exactly as the docker
 * CLI builds it: the stored credentials of the image's registry as base64url JSON
 * `{"username","password","serveraddress"}` (Go's omitempty field order), or `e30=` (`{}`)
 * when there are none.
 */
import { DEFAULT_DOMAIN } from '../../spec/reference.js';
import type { Credentials } from './config-file.js';
import { CredentialStore } from './credential-store.js';

/** Docker Hub's key in config.json (and its serveraddress). */
export const INDEX_SERVER = 'https://index.docker.io/v1/';

/** The config.json key of a reference's registry domain. */
export function authKeyForDomain(domain: string): string {
  return domain === DEFAULT_DOMAIN || domain === 'index.docker.io' ? INDEX_SERVER : domain;
}

/** An AuthConfig as the docker CLI marshals it (omitempty fields in Go's order). */
function authConfigDoc(c: Credentials, serveraddress?: string): Record<string, string> {
  const doc: Record<string, string> = {};
  if (c.username) doc.username = c.username;
  if (c.password) doc.password = c.password;
  if (serveraddress) doc.serveraddress = serveraddress;
  if (c.identitytoken) doc.identitytoken = c.identitytoken;
  if (c.registrytoken) doc.registrytoken = c.registrytoken;
  return doc;
}

/** Go's base64.URLEncoding: the URL-safe alphabet *with* padding (Node's base64url drops it). */
function goBase64Url(json: string): string {
  const bytes = Buffer.from(json);
  return bytes.toString('base64url') + '='.repeat((3 - (bytes.length % 3)) % 3);
}

/** base64url of the AuthConfig JSON (`e30=` for no credentials). */
export function encodeRegistryAuth(c: Credentials, serveraddress?: string): string {
  // The server is named only alongside credentials (`e30=` stays `{}`).
  const any = Object.values(c).some(Boolean);
  return goBase64Url(JSON.stringify(authConfigDoc(c, any ? serveraddress : undefined)));
}

/**
 * `X-Registry-Config` for `POST /build`: every stored credential, keyed by registry, since the
 * CLI cannot know which registries the Dockerfile's FROM lines pull from (docker/cli sends
 * GetAllCredentials the same way; `e30=` when there are none). Keys sorted, as Go marshals maps.
 */
export async function registryConfigHeader(env: NodeJS.ProcessEnv): Promise<string> {
  const all = await (await CredentialStore.load(env)).all();
  const doc: Record<string, Record<string, string>> = {};
  // Unlike X-Registry-Auth, every entry names its server, even one without credentials.
  for (const [key, c] of all) doc[key] = authConfigDoc(c, key);
  return goBase64Url(JSON.stringify(doc));
}

/** The header for a registry domain, from the credentials stored for it. */
export async function registryAuthFor(env: NodeJS.ProcessEnv, domain: string): Promise<string> {
  const key = authKeyForDomain(domain);
  const store = await CredentialStore.load(env);
  return encodeRegistryAuth(await store.get(key), key);
}
