/**
 * The registry's request handler: route table lookup, repository-name check, authentication and
 * authorization, the handler, errors as the spec's JSON, and one log line per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../lib/logger.js';
import { type AccessController, type Grant, grantCovers } from '../auth/access.js';
import type { TokenIssuer } from '../auth/token-issuer.js';
import { checkRepositoryName } from '../names.js';
import { errorResponse, registryError } from '../registry-error.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import { blobRoutes } from './blob-routes.js';
import { type Exchange, sendJSON } from './exchange.js';
import { listingRoutes } from './listing-routes.js';
import { manifestRoutes } from './manifest-routes.js';
import type { Route } from './route.js';
import { uploadRoutes } from './upload-routes.js';

/** Upload routes come before blob routes: `/blobs/uploads` would also match `/blobs/<digest>`. */
const ROUTES: readonly Route[] = [...listingRoutes, ...uploadRoutes, ...blobRoutes, ...manifestRoutes];

export interface RegistryHandlerOptions {
  storage: RegistryStorage;
  access: AccessController;
  /** Serves `GET /token` when set. */
  tokenIssuer?: TokenIssuer;
  /** The request log (one info line per request) and error reports. */
  log: Logger;
}

/** The grant of a request not authenticated (yet). */
const NOBODY: Grant = { allows: () => false };

function match(method: string, path: string): { route: Route; params: string[] } | 'method' | undefined {
  let pathMatched = false;
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (!route.methods.includes(method)) {
      pathMatched = true;
      continue;
    }
    return { route, params: m.slice(1) };
  }
  return pathMatched ? 'method' : undefined;
}

function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

/** Builds the `(req, res)` handler of the registry. */
export function registryHandler(opts: RegistryHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { storage, access, tokenIssuer, log } = opts;

  async function serve(x: Exchange): Promise<void> {
    if (x.path === '/token' && tokenIssuer) {
      if (x.method !== 'GET') throw registryError('UNSUPPORTED');
      sendJSON(x, 200, await tokenIssuer.issue(x.req, x.query));
      return;
    }
    const found = match(x.method, x.path);
    if (found === 'method') throw registryError('UNSUPPORTED', `method ${x.method} not allowed on ${x.path}`);
    if (!found) throw registryError('UNSUPPORTED', `no route for ${x.path}`, { status: 404 });
    x.params = found.params;
    if (found.route.named) checkRepositoryName(x.params[0]!);
    const wanted = found.route.access(x);
    const grant: Grant = await access.authenticate(x.req, wanted);
    x.grant = grant;
    if (!grantCovers(grant, wanted)) throw access.denied(grant, wanted);
    await found.route.handle(x, storage);
  }

  function fail(x: Exchange, err: unknown): void {
    const r = errorResponse(err);
    if (r.unexpected) log.error('request failed', { method: x.method, path: x.path, err: err instanceof Error ? err.stack : String(err) });
    if (x.res.headersSent) {
      // Mid-body: the only honest signal left is cutting the connection.
      x.res.destroy();
      return;
    }
    // An unread request body would otherwise be read and thrown away before the next request.
    if (!x.req.complete) x.res.setHeader('Connection', 'close');
    sendJSON(x, r.status, r.body, r.headers);
  }

  return (req, res) => {
    const started = process.hrtime.bigint();
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const { path, query } = splitUrl(req.url ?? '/');
    const x: Exchange = { req, res, method: req.method ?? 'GET', path, query, params: [], grant: NOBODY, bytesIn: 0 };
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const bytes = x.method === 'HEAD' ? 0 : Number(res.getHeader('content-length') ?? 0);
      log.info('request', {
        method: x.method,
        path: x.path,
        status: res.statusCode,
        bytes: res.writableFinished ? bytes : 'aborted',
        in: x.bytesIn,
        duration_ms: Math.round(ms * 100) / 100,
        user: x.grant.user ?? '',
        remote: req.socket.remoteAddress ?? '',
      });
    });
    serve(x).catch((err: unknown) => fail(x, err));
  };
}
