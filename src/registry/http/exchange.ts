/**
 * One request/response of the registry's HTTP edge and the wire helpers its handlers share:
 * JSON and empty answers, bounded body reads, and the Range / Content-Range grammars.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Grant } from '../auth/access.js';
import { registryError } from '../registry-error.js';
import type { ChunkRange } from '../storage/upload-store.js';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The URL path, without the query. */
  path: string;
  query: URLSearchParams;
  /** The route's captures: `[name, …]`. */
  params: string[];
  grant: Grant;
  /** Request body bytes consumed (for the log). */
  bytesIn: number;
}

/** Sends a JSON body. */
export function sendJSON(x: Exchange, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  x.res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  x.res.end(x.method === 'HEAD' ? undefined : data);
}

/** Sends no body. */
export function sendEmpty(x: Exchange, status: number, headers: OutgoingHttpHeaders = {}): void {
  x.res.writeHead(status, { 'Content-Length': 0, ...headers });
  x.res.end();
}

/** True when the request carries a body (a non-zero Content-Length, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return Number(cl) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Reads the whole body; more than `limit` bytes is answered 413 with `code`. */
export async function readBody(x: Exchange, limit: number, code: 'MANIFEST_INVALID' | 'BLOB_UPLOAD_INVALID'): Promise<Buffer> {
  const tooBig = () => registryError(code, `payload too large: the limit is ${limit} bytes`, { status: 413, detail: { limit } });
  const declared = Number(x.req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooBig();
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of x.req) {
    n += (chunk as Buffer).length;
    x.bytesIn = n;
    if (n > limit) throw tooBig();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, n);
}

/**
 * Parses a chunk's Content-Range: the spec's `<start>-<end>` (inclusive), also accepting the
 * `bytes ` prefix and `/<total>` suffix some clients send. Malformed → 416.
 */
export function parseContentRange(h: string | undefined): ChunkRange | undefined {
  if (h === undefined || h === '') return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(h.trim());
  if (!m) throw registryError('BLOB_UPLOAD_INVALID', `invalid Content-Range "${h}"`, { status: 416 });
  const range = { start: Number(m[1]), end: Number(m[2]) };
  if (range.end < range.start - 1) throw registryError('BLOB_UPLOAD_INVALID', `invalid Content-Range "${h}"`, { status: 416 });
  return range;
}

/**
 * Parses a GET's `Range: bytes=…` against a blob of `size` bytes: undefined when absent or not
 * a single byte range (served whole, as RFC 9110 allows), `'unsatisfiable'` for 416.
 */
export function parseRange(h: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!h) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** The `n`/`last` pagination of tags and the catalog, with the RFC 5988 `Link` to the next page. */
export function paginate(all: readonly string[], query: URLSearchParams, base: string): { items: string[]; link?: string } {
  const nRaw = query.get('n');
  const last = query.get('last') ?? '';
  let n: number | undefined;
  if (nRaw !== null && nRaw !== '') {
    n = Number(nRaw);
    if (!Number.isSafeInteger(n) || n < 0) throw registryError('PAGINATION_NUMBER_INVALID', `invalid n "${nRaw}"`, { detail: { n: nRaw } });
  }
  const rest = last === '' ? all : all.filter((s) => s > last);
  if (n === undefined || rest.length <= n) return { items: [...rest] };
  const items = rest.slice(0, n);
  if (n === 0) return { items };
  const next = `${base}?n=${n}&last=${encodeURIComponent(items[n - 1]!)}`;
  return { items, link: `<${next}>; rel="next"` };
}
