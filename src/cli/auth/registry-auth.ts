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

/** base64url of the AuthConfig JSON (`e30=` for no credentials). */
export function encodeRegistryAuth(c: Credentials, serveraddress?: string): string {
  const doc: Record<string, string> = {};
  if (c.username) doc.username = c.username;
  if (c.password) doc.password = c.password;
  if (serveraddress && Object.keys(c).some((k) => c[k as keyof Credentials])) doc.serveraddress = serveraddress;
  if (c.identitytoken) doc.identitytoken = c.identitytoken;
  if (c.registrytoken) doc.registrytoken = c.registrytoken;
  // Go's base64.URLEncoding: the URL-safe alphabet *with* padding (Node's base64url drops it).
  const bytes = Buffer.from(JSON.stringify(doc));
  return bytes.toString('base64url') + '='.repeat((3 - (bytes.length % 3)) % 3);
}

/** The header for a registry domain, from the credentials stored for it. */
export async function registryAuthFor(env: NodeJS.ProcessEnv, domain: string): Promise<string> {
  const key = authKeyForDomain(domain);
  const store = await CredentialStore.load(env);
  return encodeRegistryAuth(await store.get(key), key);
}
