import type { IncomingMessage } from 'node:http';
import { jwtVerify } from 'jose';
import { registryError } from '../registry-error.js';
import { type Access, type AccessController, authorizationValue, formatScope, type Grant } from './access.js';
import type { TokenKeys } from './token-keys.js';

/** Where clients get tokens, and what tokens must say to be accepted here. */
export interface TokenAuthOptions {
  /** The token endpoint's URL (the challenge's `realm`). */
  realm: string;
  /** This registry's name in tokens (`aud`) and challenges (`service`). */
  service: string;
  /** The token issuer (`iss`) accepted. */
  issuer: string;
  keys: TokenKeys;
}

/** The `access` claim of Docker's registry tokens. */
export interface AccessClaim {
  type: string;
  name: string;
  actions: string[];
}

const CACHE_MAX = 10_000;

/** A grant made from a token's `access` claim. */
export function grantFromClaims(user: string | undefined, access: readonly AccessClaim[]): Grant {
  const allowed = new Set<string>();
  for (const a of access) for (const act of a.actions) allowed.add(`${a.type}\0${a.name}\0${act}`);
  return {
    user,
    allows: (type, name, action) => allowed.has(`${type}\0${name}\0${action}`) || allowed.has(`${type}\0${name}\0*`),
  };
}

/**
 * Bearer-token authentication as Docker's token spec has it: no or a bad token → 401 with
 * `WWW-Authenticate: Bearer realm,service,scope` naming the scopes the request needs; a valid
 * token lacking a scope → 401 with `error="insufficient_scope"`, so clients fetch a better one.
 * Tokens are JWTs signed with the configured key (ES256/RS256); verified tokens are cached
 * until they expire.
 */
export function tokenAccess(opts: TokenAuthOptions): AccessController {
  const cache = new Map<string, { grant: Grant; exp: number }>();
  const challenge = (wanted: readonly Access[], error?: string) => {
    let h = `Bearer realm="${opts.realm}",service="${opts.service}"`;
    if (wanted.length > 0) h += `,scope="${wanted.map(formatScope).join(' ')}"`;
    if (error) h += `,error="${error}"`;
    return h;
  };
  const unauthorized = (wanted: readonly Access[], message: string, error?: string) =>
    registryError('UNAUTHORIZED', message, {
      headers: { 'WWW-Authenticate': challenge(wanted, error) },
      detail: wanted.map((w) => ({ Type: w.type, Name: w.name, Action: w.actions.join(',') })),
    });

  async function verify(token: string): Promise<Grant | undefined> {
    const now = Date.now();
    const hit = cache.get(token);
    if (hit && hit.exp > now) return hit.grant;
    try {
      const { payload } = await jwtVerify(token, opts.keys.publicKey, {
        issuer: opts.issuer,
        audience: opts.service,
        algorithms: [opts.keys.alg],
      });
      const access = Array.isArray(payload.access) ? (payload.access as AccessClaim[]) : [];
      const grant = grantFromClaims(typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined, access);
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(token, { grant, exp: (payload.exp ?? 0) * 1000 });
      return grant;
    } catch {
      return undefined;
    }
  }

  return {
    async authenticate(req: IncomingMessage, wanted) {
      const token = authorizationValue(req, 'Bearer');
      if (token === undefined) throw unauthorized(wanted, 'authentication required');
      const grant = await verify(token);
      if (!grant) throw unauthorized(wanted, 'invalid token', 'invalid_token');
      return grant;
    },
    denied: (_grant, wanted) => unauthorized(wanted, 'insufficient scope', 'insufficient_scope'),
  };
}
