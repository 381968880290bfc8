import type { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import { toWharfError } from '../errdefs/index.js';
import { goJSONLine } from '../lib/go-json.js';
import type { Logger } from '../lib/logger.js';
import type { JSONMessage } from '../spec/engine/types.js';
import { parseJSONBody, readAll, readUpgradeBody } from './body.js';
import type { Query } from './query.js';

/** For an upgraded (hijacked) request: the raw socket and what node read past the headers. */
export interface UpgradeInfo {
  socket: Duplex;
  head: Buffer;
}

/** Writes Docker's JSON-message progress stream: one object per line, `\r\n`-terminated. */
export interface ProgressWriter {
  write(msg: JSONMessage): void;
  /** Ends the stream with an errorDetail line; the status stays 200 (headers already went out). */
  fail(err: unknown): void;
  end(): void;
}

/**
 * One API request as handlers see it: parsed path params and query, the negotiated API version,
 * and helpers that write Docker's wire format. Handlers stay thin: parse → backend → serialize.
 */
export class RequestContext {
  private upgradeBody?: Buffer;

  constructor(
    readonly req: IncomingMessage,
    /** null when the request was upgraded (hijacked): write to `upgrade.socket` instead. */
    readonly res: ServerResponse | null,
    readonly params: Record<string, string>,
    readonly query: Query,
    readonly apiVersion: string,
    readonly log: Logger,
    readonly apiHeaders: Record<string, string>,
    readonly upgrade?: UpgradeInfo,
  ) {}

  /** The request body as a stream (build contexts, archives, image tars). */
  bodyStream(): Readable {
    if (this.upgrade) throw new Error('bodyStream() on an upgraded request');
    return this.req;
  }

  async bodyBuffer(): Promise<Buffer> {
    if (this.upgrade) {
      this.upgradeBody ??= await readUpgradeBody(this.req, this.upgrade.socket, this.upgrade.head);
      return this.upgradeBody;
    }
    return readAll(this.req);
  }

  async json<T>(): Promise<T> {
    return parseJSONBody<T>(await this.bodyBuffer());
  }

  private response(): ServerResponse {
    if (!this.res) throw new Error('no HTTP response on an upgraded request');
    return this.res;
  }

  send(status: number, body: unknown): void {
    const res = this.response();
    const data = goJSONLine(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
    res.end(data);
  }

  noContent(status = 204): void {
    const res = this.response();
    res.writeHead(status);
    res.end();
  }

  text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
    const res = this.response();
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  /** Starts a streamed (chunked) 200 response and returns the body writer. */
  stream(contentType: string | undefined, extra: Record<string, string> = {}, status = 200): Writable {
    const res = this.response();
    const headers: Record<string, string> = { ...extra };
    if (contentType) headers['Content-Type'] = contentType;
    res.writeHead(status, headers);
    res.flushHeaders();
    return res;
  }

  progress(): ProgressWriter {
    const out = this.stream('application/json');
    return {
      write: (msg) => {
        out.write(goJSONLine(msg).replace(/\n$/, '\r\n'));
      },
      fail: (err) => {
        const e = toWharfError(err);
        out.write(goJSONLine({ errorDetail: { message: e.message }, error: e.message }).replace(/\n$/, '\r\n'));
        out.end();
      },
      end: () => out.end(),
    };
  }

  /**
   * Takes over the connection for attach/exec: answers `101 UPGRADED` on an upgraded request,
   * or a streamed 200 for clients that did not ask to upgrade (then there is no stdin).
   */
  hijack(contentType: string): Duplex {
    if (this.upgrade) {
      const lines = [
        'HTTP/1.1 101 UPGRADED',
        `Content-Type: ${contentType}`,
        'Connection: Upgrade',
        'Upgrade: tcp',
        ...Object.entries(this.apiHeaders).map(([k, v]) => `${k}: ${v}`),
      ];
      this.upgrade.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      return this.upgrade.socket;
    }
    const res = this.response();
    res.writeHead(200, { 'Content-Type': contentType });
    res.flushHeaders();
    const input = new PassThrough();
    input.end();
    return Duplex.from({ readable: input, writable: res });
  }
}
