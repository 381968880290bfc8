import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import { invalidArgument } from '../../errdefs/index.js';
import { registryError } from '../registry-error.js';
import { type AccessController, authorizationValue, decodeBasic, type Grant } from './access.js';

/** A successful password check is remembered this long (bcrypt costs ~100 ms in pure JS). */
const VERIFIED_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;

/**
 * An htpasswd file of bcrypt entries (`user:$2y$…`, as `htpasswd -B` writes), the only format
 * Docker's registry accepts too. Clients send Basic credentials on every request, so verified
 * pairs are cached (keyed by a sha256 of the password, never the password itself).
 */
export class Htpasswd {
  private readonly verified = new Map<string, number>();

  private constructor(private readonly entries: Map<string, string>) {}

  /** Loads a file; lines that are not bcrypt entries are refused with their line number. */
  static async load(file: string): Promise<Htpasswd> {
    const text = await fs.readFile(file, 'utf8');
    return Htpasswd.parse(text, file);
  }

  static parse(text: string, source = 'htpasswd'): Htpasswd {
    const entries = new Map<string, string>();
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      const hash = line.slice(colon + 1);
      if (colon <= 0 || !/^\$2[aby]\$\d\d\$/.test(hash)) {
        throw invalidArgument(`${source}:${i + 1}: not a bcrypt entry (create it with "htpasswd -B")`);
      }
      entries.set(line.slice(0, colon), hash);
    });
    return new Htpasswd(entries);
  }

  /** True when `password` is `user`'s. */
  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.entries.get(user);
    if (hash === undefined) return false;
    const key = `${user}\0${createHash('sha256').update(password).digest('hex')}`;
    const now = Date.now();
    const until = this.verified.get(key);
    if (until !== undefined && until > now) return true;
    if (!(await bcrypt.compare(password, hash))) return false;
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(key, now + VERIFIED_TTL_MS);
    return true;
  }

  /** The account named by the request's Basic credentials: undefined if none, `false` if wrong. */
  async authenticate(req: IncomingMessage): Promise<string | false | undefined> {
    const value = authorizationValue(req, 'Basic');
    if (value === undefined) return undefined;
    const creds = decodeBasic(value);
    if (!creds || !(await this.verify(creds.user, creds.password))) return false;
    return creds.user;
  }
}

/** Basic authentication against an htpasswd file: any valid account may do everything. */
export function basicAccess(htpasswd: Htpasswd, realm: string): AccessController {
  const challenge = () =>
    registryError('UNAUTHORIZED', 'authentication required', {
      headers: { 'WWW-Authenticate': `Basic realm="${realm}"` },
    });
  return {
    async authenticate(req): Promise<Grant> {
      const user = await htpasswd.authenticate(req);
      if (!user) throw challenge();
      return { user, allows: () => true };
    },
    denied: () => registryError('DENIED'),
  };
}
