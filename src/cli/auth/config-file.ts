/**
 * The docker CLI's credential store, shared with it: `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`) with `{"auths":{"127.0.0.1:5000":{"auth":"base64(user:pass)"}}}`.
 * Other keys of the file (credsStore, credHelpers, proxies, …) are kept as they are; the file is
 * written the way the docker CLI writes it (tab-indented JSON, mode 0600, atomically).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { atomicWrite } from '../../lib/atomic-write.js';

/** One entry of `auths` (what the CLI keeps per registry). */
export interface StoredAuth {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
}

/** Credentials of one registry, decoded. */
export interface Credentials {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The parsed config file; `doc` keeps unknown keys. */
export interface ConfigFile {
  path: string;
  doc: Record<string, unknown> & { auths?: Record<string, StoredAuth>; credsStore?: string; credHelpers?: Record<string, string> };
}

/** `$DOCKER_CONFIG`, else `~/.docker`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

export async function loadConfigFile(env: NodeJS.ProcessEnv): Promise<ConfigFile> {
  const file = path.join(configDir(env), 'config.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: file, doc: {} };
    throw err;
  }
  if (text.trim() === '') return { path: file, doc: {} };
  try {
    return { path: file, doc: JSON.parse(text) as ConfigFile['doc'] };
  } catch (err) {
    throw new Error(`loading config file: ${file}: ${(err as Error).message}`);
  }
}

export async function saveConfigFile(cfg: ConfigFile): Promise<void> {
  await fs.mkdir(path.dirname(cfg.path), { recursive: true, mode: 0o700 });
  // The docker CLI writes json.MarshalIndent(..., "", "\t"); credentials: owner only.
  await atomicWrite(cfg.path, JSON.stringify(cfg.doc, null, '\t'), 0o600);
}

/** docker's ConvertToHostname: `https://host:5000/v1/` → `host:5000`. */
export function convertToHostname(address: string): string {
  return address.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!;
}

/** The entry for `key`: exact, else one whose key names the same host (legacy `https://…`). */
export function findAuth(cfg: ConfigFile, key: string): StoredAuth | undefined {
  const auths = cfg.doc.auths ?? {};
  if (auths[key]) return auths[key];
  for (const [k, v] of Object.entries(auths)) if (convertToHostname(k) === key) return v;
  return undefined;
}

/** Decodes an entry (`auth` is base64 of `user:pass`). */
export function decodeStoredAuth(a: StoredAuth): Credentials {
  const out: Credentials = {};
  if (a.auth) {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i >= 0) {
      out.username = plain.slice(0, i);
      out.password = plain.slice(i + 1).replace(/\0+$/, '');
    }
  } else {
    if (a.username) out.username = a.username;
    if (a.password) out.password = a.password;
  }
  if (a.identitytoken) out.identitytoken = a.identitytoken;
  if (a.registrytoken) out.registrytoken = a.registrytoken;
  return out;
}

/** The entry docker writes: `auth` = base64(user:pass), or the identity token instead of a password. */
export function encodeStoredAuth(c: Credentials): StoredAuth {
  const out: StoredAuth = {};
  if (c.username || c.password) out.auth = Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64');
  if (c.identitytoken) out.identitytoken = c.identitytoken;
  return out;
}
