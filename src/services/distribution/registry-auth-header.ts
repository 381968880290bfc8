/**
 * `X-Registry-Auth`: base64url (RFC 4648 §5, with padding) of a JSON AuthConfig
 * `{"username","password","auth","serveraddress","identitytoken","registrytoken"}`; `e30=` (`{}`)
 * when the client has no credentials. Older clients used the standard alphabet, so both are
 * accepted, as dockerd's DecodeAuthConfig does.
 */
import { invalidArgument } from '../../errdefs/index.js';
import type { RegistryCredentials } from '../../plugins/registry-client/token-auth.js';

/** The AuthConfig JSON as the docker CLI sends it (field names as on the wire). */
export interface AuthConfigWire {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** Credentials from an AuthConfig: `auth` (base64 `user:pass`) fills in a missing username/password. */
export function credentialsFrom(cfg: AuthConfigWire): RegistryCredentials | undefined {
  let { username, password } = cfg;
  if (!username && !password && cfg.auth) {
    const plain = Buffer.from(cfg.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) {
      username = plain.slice(0, i);
      password = plain.slice(i + 1);
    }
  }
  const c: RegistryCredentials = {};
  if (username) c.username = username;
  if (password) c.password = password;
  if (cfg.identitytoken) c.identityToken = cfg.identitytoken;
  if (cfg.registrytoken) c.registryToken = cfg.registrytoken;
  return Object.keys(c).length > 0 ? c : undefined;
}

/** Decodes an `X-Registry-Auth` header; absent or empty means no credentials. */
export function decodeRegistryAuth(header: string | string[] | undefined): AuthConfigWire {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return {};
  const std = v.replace(/-/g, '+').replace(/_/g, '/');
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(std, 'base64').toString('utf8'));
  } catch {
    throw invalidArgument('invalid X-Registry-Auth header: not base64-encoded JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalidArgument('invalid X-Registry-Auth header: not a JSON object');
  const out: AuthConfigWire = {};
  for (const k of ['username', 'password', 'auth', 'email', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
    const val = (doc as Record<string, unknown>)[k];
    if (typeof val === 'string') out[k] = val;
  }
  return out;
}
