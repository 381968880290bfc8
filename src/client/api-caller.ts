import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { HijackedConnection, Query } from './http-transport.js';

/** Options of one versioned API call. */
export interface CallOptions {
  query?: Query;
  /** A JSON body (serialized with Content-Type: application/json). */
  json?: unknown;
  /** A raw body: bytes sent with Content-Length, a stream sent chunked. */
  body?: Buffer | string | Readable;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * What the per-resource API groups need from the client: versioned calls that throw a
 * DaemonError for an error status. Paths are given without the `/vX.Y` prefix.
 */
export interface ApiCaller {
  /** Resolves with the response (status < 400) for the caller to read or stream. */
  call(method: string, path: string, opts?: CallOptions): Promise<IncomingMessage>;
  /** Calls and parses a JSON response body. */
  callJSON<T>(method: string, path: string, opts?: CallOptions): Promise<T>;
  /** Calls and discards the response body. */
  callNoContent(method: string, path: string, opts?: CallOptions): Promise<void>;
  /** Opens a hijacked (101 upgraded) connection. */
  hijack(method: string, path: string, opts?: CallOptions): Promise<HijackedConnection>;
}

/** An image name or ID in a URL path: docker sends it unescaped (`/images/a/b:1/json`). */
export function pathName(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/g, '@');
}

/** Docker's filter query parameter: `{"key":{"value":true}}`, omitted when empty. */
export function filtersParam(filters: Record<string, string[]> | undefined): string | undefined {
  if (!filters) return undefined;
  const entries = Object.entries(filters).filter(([, v]) => v.length > 0);
  if (entries.length === 0) return undefined;
  return JSON.stringify(Object.fromEntries(entries.map(([k, vs]) => [k, Object.fromEntries(vs.map((v) => [v, true]))])));
}
