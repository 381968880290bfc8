/**
 * The composition root of `wharf registry serve`: opens the storage, picks the access controller
 * (none, htpasswd basic auth, or bearer tokens), and listens on HTTP or HTTPS.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { invalidArgument, toWharfError } from '../errdefs/index.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { type AccessController, openAccess } from './auth/access.js';
import { basicAccess, Htpasswd } from './auth/htpasswd.js';
import { tokenAccess } from './auth/token-auth.js';
import { loadAcl, TokenIssuer } from './auth/token-issuer.js';
import { loadTokenKeys } from './auth/token-keys.js';
import { registryHandler } from './http/registry-handler.js';
import { BufferedLogWriter } from './log-writer.js';
import { isLoopbackHost } from './names.js';
import { openRegistryStorage } from './storage/registry-storage.js';

export interface TokenOptions {
  /** URL of the token endpoint clients are sent to (e.g. `https://host:5000/token`). */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file: a private key (this registry also serves `/token`) or a public key/certificate. */
  keyFile: string;
  /** JSON ACL for issued tokens (default: authenticated users may do everything). */
  aclFile?: string;
}

export interface RegistryServerOptions {
  /** `host:port` to listen on (`:5000` = every interface; port 0 = any free port). */
  addr: string;
  root: string;
  /** htpasswd file (bcrypt): Basic auth, or the accounts of the token endpoint. */
  htpasswd?: string;
  /** Realm of the Basic challenge. */
  realm?: string;
  tls?: { cert: string; key: string };
  token?: TokenOptions;
  /** Allows plain HTTP on a non-loopback address. */
  insecure?: boolean;
  /** The request log; default: buffered lines on stderr. */
  log?: Logger;
}

export interface RunningRegistry {
  /** `http://127.0.0.1:5000` */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Splits `host:port`, `[v6]:port` or `:port`. */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw invalidArgument(`invalid address "${addr}": expected HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw invalidArgument(`invalid port in "${addr}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

async function accessController(opts: RegistryServerOptions): Promise<{ access: AccessController; issuer?: TokenIssuer }> {
  const htpasswd = opts.htpasswd ? await Htpasswd.load(opts.htpasswd) : undefined;
  if (opts.token) {
    const t = opts.token;
    const keys = await loadTokenKeys(t.keyFile);
    const access = tokenAccess({ realm: t.realm, service: t.service, issuer: t.issuer, keys });
    if (!keys.privateKey) return { access };
    const acl = t.aclFile ? await loadAcl(t.aclFile) : undefined;
    return { access, issuer: new TokenIssuer({ service: t.service, issuer: t.issuer, keys, htpasswd, acl }) };
  }
  if (htpasswd) return { access: basicAccess(htpasswd, opts.realm ?? 'wharf registry') };
  return { access: openAccess() };
}

/** Refuses plain HTTP off loopback unless told otherwise: credentials and images would travel in clear. */
function checkTransport(host: string, opts: RegistryServerOptions): void {
  if (opts.tls || opts.insecure || isLoopbackHost(host)) return;
  throw invalidArgument(
    `refusing to serve plain HTTP on ${host}: it is not a loopback address, so passwords, tokens and images would cross the network unencrypted. ` +
      'Give --tls-cert and --tls-key, listen on 127.0.0.1, or pass --insecure to accept plain HTTP anyway.',
  );
}

/** Starts the registry; resolves once it listens. */
export async function startRegistryServer(opts: RegistryServerOptions): Promise<RunningRegistry> {
  const { host, port } = parseAddr(opts.addr);
  checkTransport(host, opts);
  const writer = new BufferedLogWriter(process.stderr);
  const log = opts.log ?? createLogger('info', writer);
  const storage = await openRegistryStorage(opts.root);
  const { access, issuer } = await accessController(opts);
  const handler = registryHandler({ storage, access, tokenIssuer: issuer, log });
  const serverOpts = {
    // Uploads of large layers may take long: no whole-request deadline, only one for headers.
    requestTimeout: 0,
    headersTimeout: 60_000,
    keepAliveTimeout: 60_000,
  };
  const server = opts.tls
    ? https.createServer({ ...serverOpts, cert: await fs.readFile(opts.tls.cert), key: await fs.readFile(opts.tls.key) }, handler)
    : http.createServer(serverOpts, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(toWharfError(err)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${shown}:${bound.port}`,
    host: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        // Let requests in flight finish for a moment (a last PATCH, a manifest commit), then cut.
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        server.close(() => {
          clearTimeout(force);
          writer.flush();
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
