/**
 * Registry failures as Docker words them. A registry answers errors with a JSON body
 * `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":…}]}`; Docker's
 * client (docker/distribution's HandleErrorResponse) prints one as `manifest unknown: manifest
 * unknown` (the code lower-cased with spaces, then the message). Transport failures read like
 * Go's url.Error: `Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection
 * refused`.
 */
import { type ErrorKind, WharfError } from '../../errdefs/index.js';
import { parseChallenges } from './www-authenticate.js';

/** One entry of a registry's `errors` array. */
export interface RegistryErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

/** Default messages of the distribution spec's error codes (used when a registry sends none). */
const DEFAULT_MESSAGES: Record<string, string> = {
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNSUPPORTED: 'The operation is unsupported.',
  TOOMANYREQUESTS: 'too many requests',
  UNKNOWN: 'unknown error',
};

/** An error answered by a registry: the HTTP status and, when the body had them, its error codes. */
export class RegistryError extends WharfError {
  readonly status: number;
  readonly entries: RegistryErrorEntry[];

  constructor(status: number, entries: RegistryErrorEntry[], message: string) {
    super(kindForStatus(status), message);
    this.status = status;
    this.entries = entries;
  }

  /** The first error code, if the registry sent one (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, …). */
  get code(): string | undefined {
    return this.entries[0]?.code;
  }
}

/** The kind of a registry's HTTP error status. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  if (status === 429 || status >= 500) return 'Unavailable';
  return 'InvalidArgument';
}

/** Docker's errcode.Error string: `manifest unknown: manifest unknown`. */
export function entryText(e: RegistryErrorEntry): string {
  return `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message}`;
}

function textOf(entries: RegistryErrorEntry[]): string {
  if (entries.length === 1) return entryText(entries[0]!);
  return `errors:\n${entries.map((e) => `${entryText(e)}\n`).join('')}`;
}

function parseEntries(body: Buffer): RegistryErrorEntry[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as { errors?: unknown; details?: unknown };
  if (typeof d.details === 'string' && d.details !== '') return [{ code: 'UNKNOWN', message: d.details }];
  if (!Array.isArray(d.errors) || d.errors.length === 0) return undefined;
  return d.errors.map((e: { code?: unknown; message?: unknown; detail?: unknown }) => {
    const code = typeof e?.code === 'string' ? e.code.toUpperCase() : 'UNKNOWN';
    const message = typeof e?.message === 'string' && e.message !== '' ? e.message : (DEFAULT_MESSAGES[code] ?? code.toLowerCase());
    return { code, message, detail: e?.detail };
  });
}

/**
 * The error for a registry response with an error status (HandleErrorResponse): OAuth error
 * parameters of a Bearer challenge first, then the JSON `errors` body, else a generic text.
 */
export function registryErrorFromResponse(status: number, statusText: string, headers: Record<string, string | string[] | undefined>, body: Buffer): RegistryError {
  if (status >= 400 && status < 500) {
    for (const c of parseChallenges(headers['www-authenticate'])) {
      if (c.scheme !== 'bearer') continue;
      const code = c.params.error === 'invalid_token' ? 'UNAUTHORIZED' : c.params.error === 'insufficient_scope' ? 'DENIED' : undefined;
      if (!code) continue;
      const entries = [{ code, message: c.params.error_description || DEFAULT_MESSAGES[code]! }, ...(parseEntries(body) ?? [])];
      return new RegistryError(status, entries, textOf(entries));
    }
    const entries = parseEntries(body);
    if (entries) return new RegistryError(status, entries, textOf(entries));
    if (status === 401) {
      const e = [{ code: 'UNAUTHORIZED', message: DEFAULT_MESSAGES.UNAUTHORIZED! }];
      return new RegistryError(status, e, textOf(e));
    }
    const why = body.length === 0 ? 'no error details found in HTTP response body' : 'invalid character in response body';
    return new RegistryError(status, [], `error parsing HTTP ${status} response body: ${why}: ${JSON.stringify(body.toString('utf8').slice(0, 512))}`);
  }
  return new RegistryError(status, [], `received unexpected HTTP status: ${status} ${statusText}`.trimEnd());
}

/** Go's net/http method spelling in url.Error (`Get`, `Head`, `Post`, …). */
export function goMethod(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
}

/** Node's transport error code, digging through undici's `cause` chain. */
function transportCode(err: unknown): { code?: string; message: string } {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR_ABORTED')) return { code, message: (e as Error).message ?? '' };
    e = (e as { cause?: unknown }).cause;
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

/** Go's wording of a dial/read failure for `url` (whose host is `hostport`). */
export function goNetErrorText(err: unknown, url: URL): string {
  const { code, message } = transportCode(err);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const addr = `${url.hostname}:${port}`;
  switch (code) {
    case 'ENOTFOUND':
      return `dial tcp: lookup ${host}: no such host`;
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: Temporary failure in name resolution`;
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `dial tcp ${addr}: i/o timeout`;
    case 'ECONNRESET':
      return `read tcp ${addr}: read: connection reset by peer`;
    case 'EPIPE':
      return `write tcp ${addr}: write: broken pipe`;
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'EOF';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'net/http: timeout awaiting response headers';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'net/http: request canceled (Client.Timeout or context cancellation while reading body)';
    default:
      if (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(message)) return `tls: ${message}`;
      return message || code || 'unknown transport error';
  }
}

/** A transport failure as Go's url.Error: `Get "http://h/v2/": dial tcp …`. Unavailable. */
export function transportError(method: string, url: URL, err: unknown): WharfError {
  if (err instanceof WharfError) return err;
  return new WharfError('Unavailable', `${goMethod(method)} "${url.href}": ${goNetErrorText(err, url)}`, { cause: err });
}

/**
 * Whether a failure may go away on its own, so that a layer download or upload is worth trying
 * again (dockerd's retryOnError): transport failures (connection refused or reset, a body cut
 * off, timeouts) and a registry's 5xx answers. A registry's 4xx — unknown blob or name, refused
 * credentials, too many requests — and anything that is not a transport failure (a digest
 * mismatch, a full disk) are final.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RegistryError) return err.status >= 500;
  return err instanceof WharfError && err.kind === 'Unavailable';
}
