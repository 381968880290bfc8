import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalidArgument } from '../errdefs/index.js';

const MAX_JSON_BODY = 32 * 1024 * 1024;

/** Reads a whole request body, refusing bodies over `limit` bytes. */
export async function readAll(req: NodeJS.ReadableStream, limit = MAX_JSON_BODY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    n += b.length;
    if (n > limit) throw invalidArgument(`request body too large (over ${limit} bytes)`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function parseJSONBody<T>(buf: Buffer): T {
  if (buf.length === 0) return {} as T;
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    throw invalidArgument(`invalid JSON body: ${(err as Error).message}`);
  }
}

/**
 * Reads the body of an upgraded (hijacked) request: exactly Content-Length bytes, starting with
 * what node already read (`head`). Bytes past the body are the client's stdin and are pushed
 * back onto the socket (`unshift`) so the hijacked stream sees them first.
 */
export async function readUpgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<Buffer> {
  const len = Number(req.headers['content-length'] ?? 0);
  if (!Number.isFinite(len) || len < 0 || len > MAX_JSON_BODY) throw invalidArgument('invalid Content-Length');
  let buf = head;
  while (buf.length < len) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (b: Buffer): void => {
        cleanup();
        resolve(b);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(null);
      };
      const cleanup = (): void => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        socket.pause();
      };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.resume();
    });
    if (!chunk) break;
    buf = Buffer.concat([buf, chunk]);
  }
  if (buf.length > len) socket.unshift(buf.subarray(len));
  return buf.subarray(0, Math.min(len, buf.length));
}
