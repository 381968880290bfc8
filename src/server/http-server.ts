import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isWharfError, toWharfError } from '../errdefs/index.js';
import { goJSONLine } from '../lib/go-json.js';
import type { Logger } from '../lib/logger.js';
import { WHARF_VERSION } from '../lib/version.js';
import { API_VERSION } from '../spec/engine/api-version.js';
import { RequestContext } from './context.js';
import { statusForKind } from './error-status.js';
import { Query } from './query.js';
import type { Router } from './router.js';
import { negotiate } from './version-adapter.js';

/** Headers dockerd puts on every response; the CLI reads Api-Version from them. */
export function apiHeaders(): Record<string, string> {
  return {
    'Api-Version': API_VERSION,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `Wharf/${WHARF_VERSION} (linux)`,
  };
}

function errorBody(err: unknown): { status: number; body: string } {
  const e = toWharfError(err);
  return { status: statusForKind(e.kind), body: goJSONLine({ message: e.message }) };
}

/** Builds the Engine API HTTP server over a route table. Listening is the caller's job. */
export function createEngineServer(router: Router, log: Logger): Server {
  const headers = apiHeaders();

  const dispatch = async (req: IncomingMessage, res: ServerResponse | null, upgrade?: { socket: Duplex; head: Buffer }) => {
    const url = new URL(req.url ?? '/', 'http://wharf');
    const neg = negotiate(url.pathname);
    const method = req.method ?? 'GET';
    const fail = (status: number, body: string, contentType = 'application/json'): void => {
      if (res) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      } else if (upgrade) {
        const h = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        upgrade.socket.end(
          `HTTP/1.1 ${status} Error\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${h}Connection: close\r\n\r\n${body}`,
        );
      }
    };
    if (!neg.ok) return fail(neg.status, neg.body, neg.contentType);
    const match = router.match(method, neg.path);
    if (match === undefined) return fail(404, goJSONLine({ message: 'page not found' }));
    if (match === 'method-not-allowed') return fail(405, goJSONLine({ message: 'method not allowed' }));
    const ctx = new RequestContext(req, res, match.params, new Query(url.searchParams), neg.version, log, headers, upgrade);
    try {
      await match.handler(ctx);
    } catch (err) {
      if (!isWharfError(err)) log.error('unexpected error (a bug: errors must be WharfErrors)', { method, path: neg.path, err: String((err as Error)?.stack ?? err) });
      const { status, body } = errorBody(err);
      if (status >= 500) log.warn('request failed', { method, path: neg.path, status, err: (err as Error).message });
      fail(status, body);
    }
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    log.debug('request', { method: req.method, url: req.url });
    void dispatch(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    log.debug('upgrade request', { method: req.method, url: req.url });
    socket.on('error', () => socket.destroy());
    void dispatch(req, null, { socket, head });
  });
  // Long-lived streams (logs -f, events, attach, wait) must not be cut by node's timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 60_000;
  return server;
}
