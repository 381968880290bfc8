/**
 * Go's "http: server gave HTTP response to HTTPS client": when a TLS handshake fails because the
 * first record the server sent starts with `HTTP/`, Go's transport says so (net/http, on a
 * tls.RecordHeaderError), and that is the message `docker pull` shows for a plain-HTTP registry
 * that is not listed as insecure. OpenSSL only reports "wrong version number" and does not hand
 * back the bytes, so after such a failure the handshake is repeated once over a tapped stream
 * that keeps the server's first five bytes.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { WharfError } from '../../errdefs/index.js';
import { transportError } from './registry-errors.js';
import { splitHostPort } from './registry-endpoint.js';

/** Go's text for a plain-HTTP answer to a TLS ClientHello. */
export const HTTP_RESPONSE_TO_HTTPS = 'http: server gave HTTP response to HTTPS client';

/** Whether `err` is OpenSSL's complaint about a first record that is not TLS. */
function notTlsRecord(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && typeof e === 'object' && i < 5; i++, e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 'ERR_SSL_WRONG_VERSION_NUMBER') return true;
  }
  return false;
}

/**
 * Does a TLS handshake with `host:port` and reports whether the server's first bytes were
 * `HTTP/`. Never rejects; a connection failure or timeout answers false.
 */
export function answersPlainHttp(hostport: string, timeoutMs = 5_000): Promise<boolean> {
  const { host, port } = splitHostPort(hostport);
  return new Promise((resolve) => {
    const raw = net.connect({ host, port: Number(port ?? 443) });
    let head = Buffer.alloc(0);
    // A Duplex that is not a net.Socket makes tls read through JS, where the bytes can be seen
    // (over a net.Socket, tls reads the handle directly and no 'data' event would fire).
    const tap = new Duplex({
      read: () => raw.resume(),
      write: (chunk: Buffer, _enc, cb) => raw.write(chunk, cb),
      final: (cb) => raw.end(cb),
      destroy: (_err, cb) => {
        raw.destroy();
        cb(null);
      },
    });
    raw.on('data', (b: Buffer) => {
      if (head.length < 5) head = Buffer.concat([head, b]).subarray(0, 5);
      if (!tap.push(b)) raw.pause();
    });
    raw.on('end', () => tap.push(null));
    const servername = net.isIP(host) === 0 ? host : undefined;
    const t = tls.connect({ socket: tap, servername, rejectUnauthorized: false });
    const finish = () => {
      clearTimeout(timer);
      t.destroy();
      raw.destroy();
      resolve(head.toString('latin1') === 'HTTP/');
    };
    const timer = setTimeout(finish, timeoutMs);
    t.once('secureConnect', finish);
    t.once('error', finish);
    raw.once('error', finish);
    raw.once('close', finish);
  });
}

/**
 * transportError for a failed `https` request, with Go's wording when the server turned out to
 * speak plain HTTP.
 */
export async function httpsTransportError(method: string, url: URL, err: unknown): Promise<WharfError> {
  if (url.protocol === 'https:' && notTlsRecord(err) && (await answersPlainHttp(url.host))) {
    return transportError(method, url, Object.assign(new Error(HTTP_RESPONSE_TO_HTTPS), { code: 'WHARF_HTTP_TO_HTTPS' }));
  }
  return transportError(method, url, err);
}
