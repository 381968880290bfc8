/**
 * Test support: a unix-socket proxy in front of a daemon that records the HTTP requests clients
 * send through it (method, path, headers, body), so the requests of the real docker CLI and of
 * wharf can be compared byte for byte. Hijacked connections are recorded up to the upgrade.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RecordingProxy {
  /** `unix://…` for DOCKER_HOST. */
  host: string;
  /** Requests seen so far, in the order they completed. */
  requests(): RecordedRequest[];
  clear(): void;
  close(): Promise<void>;
}

/** Parses as many whole requests as `buf` holds; returns them and the unparsed rest. */
function parseRequests(buf: Buffer): { requests: RecordedRequest[]; rest: Buffer; upgraded: boolean } {
  const requests: RecordedRequest[] = [];
  let rest: Buffer = buf;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return { requests, rest, upgraded: false };
    const [requestLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const [method, url] = requestLine.split(' ');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    let body: Buffer;
    let consumed: number;
    if (headers['transfer-encoding'] === 'chunked') {
      const chunks: Buffer[] = [];
      let at = end + 4;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', at);
        if (lineEnd < 0) return { requests, rest, upgraded: false };
        const size = Number.parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
        if (rest.length < lineEnd + 2 + size + 2) return { requests, rest, upgraded: false };
        chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
      consumed = at;
    } else {
      const len = Number(headers['content-length'] ?? 0);
      if (rest.length < end + 4 + len) return { requests, rest, upgraded: false };
      body = Buffer.from(rest.subarray(end + 4, end + 4 + len));
      consumed = end + 4 + len;
    }
    requests.push({ method, url, headers, body });
    rest = rest.subarray(consumed);
    if ((headers.upgrade ?? '').toLowerCase() === 'tcp') return { requests, rest: Buffer.alloc(0), upgraded: true };
  }
}

/** Starts a proxy to the daemon listening on `targetSocket`. */
export async function startRecordingProxy(targetSocket: string): Promise<RecordingProxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-proxy-'));
  const socketPath = path.join(dir, 'proxy.sock');
  let seen: RecordedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetSocket);
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    let upgraded = false;
    client.on('data', (d: Buffer) => {
      if (!upgraded) {
        const r = parseRequests(Buffer.concat([pending, d]));
        seen.push(...r.requests);
        pending = r.rest;
        upgraded = r.upgraded;
      }
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    host: `unix://${socketPath}`,
    requests: () => [...seen],
    clear: () => {
      seen = [];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
