/**
 * Access control contract of the registry: what a request needs (resource scopes, as in Docker's
 * token spec: `repository:<name>:pull,push`), what a caller was granted, and the controller that
 * authenticates a request. Implementations: open (no auth), basic (htpasswd), token (bearer JWT).
 */
import type { IncomingMessage } from 'node:http';
import { type RegistryError, registryError } from '../registry-error.js';

/** Actions on a repository. `*` means all of them. */
export type Action = 'pull' | 'push' | 'delete' | '*';

/** A resource scope: `repository:library/busybox:pull,push` or `registry:catalog:*`. */
export interface Access {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** What an authenticated caller may do. */
export interface Grant {
  /** The account name, for the request log (undefined: anonymous). */
  user?: string;
  allows(type: Access['type'], name: string, action: string): boolean;
}

export interface AccessController {
  /**
   * Authenticates the request. Throws a 401 RegistryError carrying the challenge when there are
   * no valid credentials; `wanted` names the scopes the request needs (for the challenge).
   */
  authenticate(req: IncomingMessage, wanted: readonly Access[]): Promise<Grant>;
  /** The error for an authenticated caller whose grant lacks something in `wanted`. */
  denied(grant: Grant, wanted: readonly Access[]): RegistryError;
}

/** True when `grant` covers every action of every scope in `wanted`. */
export function grantCovers(grant: Grant, wanted: readonly Access[]): boolean {
  return wanted.every((w) => w.actions.every((a) => grant.allows(w.type, w.name, a)));
}

/** `repository:name:pull,push` */
export function formatScope(a: Access): string {
  return `${a.type}:${a.name}:${a.actions.join(',')}`;
}

/**
 * Parses scopes from token requests: each `scope` parameter may hold several scopes separated by
 * spaces. Unknown or malformed scopes are skipped, as Docker's token servers do.
 */
export function parseScopes(values: readonly string[]): Access[] {
  const out: Access[] = [];
  for (const v of values) {
    for (const s of v.split(' ')) {
      // The name may contain a `:port`-free path only; the actions come after the last colon.
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      if (first <= 0 || last === first) continue;
      const type = s.slice(0, first);
      if (type !== 'repository' && type !== 'registry') continue;
      const actions = s
        .slice(last + 1)
        .split(',')
        .filter((x) => x !== '');
      out.push({ type, name: s.slice(first + 1, last), actions });
    }
  }
  return out;
}

/** A grant that allows everything (no authentication configured). */
export const OPEN_GRANT: Grant = { allows: () => true };

/** No authentication: every request may do everything. */
export function openAccess(): AccessController {
  return {
    authenticate: async () => OPEN_GRANT,
    // Unreachable (OPEN_GRANT allows everything), but total.
    denied: () => registryError('DENIED'),
  };
}

/** Reads `Authorization: <scheme> <value>`; undefined when absent or another scheme. */
export function authorizationValue(req: IncomingMessage, scheme: 'Basic' | 'Bearer'): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const sp = h.indexOf(' ');
  if (sp < 0 || h.slice(0, sp).toLowerCase() !== scheme.toLowerCase()) return undefined;
  return h.slice(sp + 1).trim();
}

/** Decodes a Basic credential; undefined when malformed. */
export function decodeBasic(value: string): { user: string; password: string } | undefined {
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
