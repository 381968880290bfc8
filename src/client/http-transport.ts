/**
 * HTTP to the daemon over a unix socket (or TCP) with node:http: plain requests on a keep-alive
 * agent, and hijacked (101 upgraded) connections for attach/exec.
 */
import http, { type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { errnoCode, internal, unavailable, type WharfError } from '../errdefs/index.js';
import { WHARF_VERSION } from '../lib/version.js';
import { daemonErrorFromBody } from './daemon-error.js';
import type { DaemonHost } from './daemon-host.js';

/** Query parameters: `true` → `1`, false/undefined omitted, arrays repeat the key. */
export type Query = Record<string, string | number | boolean | undefined | null | string[]>;

export interface TransportRequest {
  method: string;
  /** Full request path including any version prefix, without the query. */
  path: string;
  query?: Query;
  headers?: Record<string, string>;
  /** A body: bytes/text sent with Content-Length, a stream sent chunked. */
  body?: Buffer | string | Readable;
  signal?: AbortSignal;
}

/** Encodes a query string the way the docker CLI does. */
export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === false) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else p.append(k, v === true ? '1' : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Reads a whole response body. */
export async function readBody(res: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** A connection upgraded by a `101` response: a raw duplex socket (any early bytes unshifted). */
export interface HijackedConnection {
  socket: Socket;
  response: IncomingMessage;
}

export class HttpTransport {
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(readonly host: DaemonHost) {}

  private options(req: TransportRequest, agent: http.Agent | false): http.RequestOptions {
    const target = this.host.kind === 'unix' ? { socketPath: this.host.socketPath } : { host: this.host.host, port: this.host.port };
    const headers: Record<string, string> = {
      Host: 'api.moby.localhost',
      'User-Agent': `Wharf-Client/${WHARF_VERSION} (linux)`,
      ...req.headers,
    };
    if (req.body === undefined && req.method !== 'GET' && req.method !== 'HEAD') headers['Content-Length'] = '0';
    else if (req.body !== undefined && !(req.body instanceof Readable)) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    return { ...target, agent, method: req.method, path: req.path + encodeQuery(req.query), headers, signal: req.signal };
  }

  /** The error for a failed connection, in the docker CLI's words. */
  connectError(err: unknown): WharfError {
    const code = errnoCode(err);
    if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET') {
      const why = code === 'EACCES' ? ': permission denied' : '';
      return unavailable(`Cannot connect to the Wharf daemon at ${this.host.url}${why}. Is the wharf daemon running?`, { cause: err });
    }
    if ((err as { name?: string })?.name === 'AbortError') return internal('request canceled', { cause: err });
    return internal(`error during connect: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }

  /** Sends a request; resolves with the response whatever its status. */
  request(req: TransportRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const r = http.request(this.options(req, this.agent), resolve);
      r.on('error', (e) => reject(this.connectError(e)));
      this.sendBody(r, req.body, reject);
    });
  }

  private sendBody(r: http.ClientRequest, body: TransportRequest['body'], reject: (e: unknown) => void): void {
    if (body instanceof Readable) {
      body.on('error', (e) => {
        r.destroy();
        reject(e);
      });
      body.pipe(r);
    } else r.end(body);
  }

  /**
   * Sends a request asking for `Connection: Upgrade, Upgrade: tcp` on a fresh connection. Resolves
   * once the daemon answers 101; an error status becomes a DaemonError, any other status an
   * error worded like the docker CLI's ("unable to upgrade to tcp, received 200").
   */
  hijack(req: TransportRequest): Promise<HijackedConnection> {
    const withUpgrade = {
      ...req,
      headers: { 'Content-Type': 'text/plain', ...req.headers, Connection: 'Upgrade', Upgrade: 'tcp' },
    };
    return new Promise((resolve, reject) => {
      // A fresh connection (agent: false): the upgraded socket leaves HTTP and is never pooled.
      const r = http.request(this.options(withUpgrade, false));
      r.on('upgrade', (response, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve({ socket, response });
      });
      r.on('response', (res) => {
        readBody(res).then((body) => {
          const status = res.statusCode ?? 0;
          if (status >= 400) reject(daemonErrorFromBody(status, res.statusMessage ?? '', body));
          else reject(internal(`unable to upgrade to tcp, received ${status}`));
        }, reject);
      });
      r.on('error', (e) => reject(this.connectError(e)));
      this.sendBody(r, withUpgrade.body, reject);
    });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
