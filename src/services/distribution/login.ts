/**
 * `POST /auth` (`docker login`): checks credentials against a registry's `/v2/` the way dockerd's
 * loginV2 does — ping for the challenge, then an authenticated `GET /v2/` (through the token
 * realm for Bearer registries, asking for an offline token that becomes the IdentityToken).
 * A refusal is reported with dockerd's words and status (500):
 * `login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized`.
 */
import { internal, invalidArgument } from '../../errdefs/index.js';
import type { RegistryClient } from '../../plugins/registry-client/registry-client.js';
import { DOCKER_HUB_AUTH_KEY } from '../../plugins/registry-client/registry-endpoint.js';
import { statusText } from '../../plugins/registry-client/registry-session.js';
import { DEFAULT_DOMAIN } from '../../spec/reference.js';
import { type AuthConfigWire, credentialsFrom } from './registry-auth-header.js';

/** What `POST /auth` answers. */
export interface LoginResult {
  Status: string;
  IdentityToken: string;
}

/** The registry domain a login's `serveraddress` names (`https://index.docker.io/v1/` → docker.io). */
export function loginDomain(serveraddress: string | undefined): string {
  const s = (serveraddress ?? '').trim();
  if (s === '' || s === DOCKER_HUB_AUTH_KEY) return DEFAULT_DOMAIN;
  const host = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!;
  if (host === '') throw invalidArgument(`invalid registry address ${JSON.stringify(serveraddress)}`);
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DEFAULT_DOMAIN : host.toLowerCase();
}

export async function login(registry: RegistryClient, cfg: AuthConfigWire): Promise<LoginResult> {
  const credentials = credentialsFrom(cfg);
  const session = registry.session(loginDomain(cfg.serveraddress), credentials, { offlineToken: true });
  await session.ping();
  const res = await session.send({ method: 'GET', path: '/v2/', scopes: [], ok: () => true });
  await res.body.dump();
  if (res.status !== 200) {
    const url = new URL('/v2/', session.base).href;
    throw internal(`login attempt to ${url} failed with status: ${res.status} ${statusText(res.status)}`.trimEnd());
  }
  return { IdentityToken: session.identityToken ?? '', Status: 'Login Succeeded' };
}
