import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { SignJWT } from 'jose';
import { invalidArgument } from '../../errdefs/index.js';
import { registryError } from '../registry-error.js';
import { type Access, parseScopes } from './access.js';
import type { Htpasswd } from './htpasswd.js';
import type { AccessClaim } from './token-auth.js';
import type { TokenKeys } from './token-keys.js';

/**
 * One rule of the token ACL. `account`: a user name, `*` for any authenticated user, or `""`
 * for anonymous callers. `name`: a repository glob (`*` matches any run of characters, `/`
 * included). `type` defaults to `repository` (`registry` with name `catalog` covers `_catalog`).
 */
export interface AclRule {
  account: string;
  type?: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** Without an ACL file: authenticated users may do everything, anonymous callers nothing. */
export const DEFAULT_ACL: readonly AclRule[] = [
  { account: '*', type: 'repository', name: '*', actions: ['*'] },
  { account: '*', type: 'registry', name: '*', actions: ['*'] },
];

export interface TokenIssuerOptions {
  service: string;
  issuer: string;
  keys: TokenKeys;
  htpasswd?: Htpasswd;
  acl?: readonly AclRule[];
  /** Token lifetime in seconds (default 300, like Docker's token servers). */
  ttlSeconds?: number;
}

/** The token endpoint's JSON answer. */
export interface TokenResponse {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
}

const globCache = new Map<string, RegExp>();
function globMatch(glob: string, s: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    globCache.set(glob, re);
  }
  return re.test(s);
}

/** The actions of `wanted` the ACL lets `account` (undefined: anonymous) have. */
export function grantedActions(acl: readonly AclRule[], account: string | undefined, wanted: Access): string[] {
  const allowed = new Set<string>();
  for (const rule of acl) {
    const who = rule.account === '*' ? account !== undefined : rule.account === (account ?? '');
    if (!who || (rule.type ?? 'repository') !== wanted.type || !globMatch(rule.name, wanted.name)) continue;
    for (const a of rule.actions) allowed.add(a);
  }
  if (allowed.has('*')) return wanted.actions;
  return wanted.actions.filter((a) => allowed.has(a));
}

/** Reads an ACL file: a JSON array of {@link AclRule}. */
export async function loadAcl(file: string): Promise<AclRule[]> {
  const rules = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  if (!Array.isArray(rules)) throw invalidArgument(`${file}: the ACL must be a JSON array of rules`);
  for (const [i, r] of rules.entries()) {
    const ok = r && typeof r.account === 'string' && typeof r.name === 'string' && Array.isArray(r.actions);
    if (!ok) throw invalidArgument(`${file}: rule ${i} needs "account", "name" and "actions"`);
  }
  return rules as AclRule[];
}

/**
 * The token endpoint (`GET /token?service=&scope=…`, Docker's token spec): authenticates the
 * caller's Basic credentials against the htpasswd file (none → anonymous; wrong → 401), grants
 * the requested scopes the ACL allows, and signs a JWT carrying them in its `access` claim.
 */
export class TokenIssuer {
  constructor(private readonly opts: TokenIssuerOptions) {
    if (!opts.keys.privateKey) throw invalidArgument('the token key file holds no private key: this registry cannot issue tokens');
  }

  async issue(req: IncomingMessage, query: URLSearchParams): Promise<TokenResponse> {
    const service = query.get('service');
    if (service && service !== this.opts.service) {
      throw registryError('DENIED', `unknown service "${service}"`, { status: 400 });
    }
    const account = this.opts.htpasswd ? await this.opts.htpasswd.authenticate(req) : undefined;
    if (account === false) {
      throw registryError('UNAUTHORIZED', 'incorrect username or password', {
        headers: { 'WWW-Authenticate': 'Basic realm="wharf registry token"' },
      });
    }
    const acl = this.opts.acl ?? DEFAULT_ACL;
    const access: AccessClaim[] = [];
    for (const wanted of parseScopes(query.getAll('scope'))) {
      const actions = grantedActions(acl, account, wanted);
      access.push({ type: wanted.type, name: wanted.name, actions });
    }
    return this.sign(account, access);
  }

  /** Signs a token for `account` with `access` (also used by tests to mint tokens). */
  async sign(account: string | undefined, access: AccessClaim[]): Promise<TokenResponse> {
    const ttl = this.opts.ttlSeconds ?? 300;
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: this.opts.keys.alg, typ: 'JWT', kid: this.opts.keys.kid })
      .setIssuer(this.opts.issuer)
      .setSubject(account ?? '')
      .setAudience(this.opts.service)
      .setIssuedAt(now)
      // A little slack for clocks of other hosts verifying the token.
      .setNotBefore(now - 10)
      .setExpirationTime(now + ttl)
      .setJti(randomBytes(16).toString('hex'))
      .sign(this.opts.keys.privateKey!);
    return { token, access_token: token, expires_in: ttl, issued_at: new Date(now * 1000).toISOString() };
  }
}
