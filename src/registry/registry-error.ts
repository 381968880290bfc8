/**
 * The distribution spec's error codes, carried by a {@link RegistryError} (a WharfError, so the
 * one taxonomy still holds: every code also has a kind), and the one function that turns any
 * thrown value into the wire's status and `{"errors":[…]}` body.
 */
import { type ErrorKind, WharfError, isWharfError } from '../errdefs/index.js';

/** Error codes of the OCI distribution spec, plus distribution's UNAVAILABLE and pagination codes. */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'PAGINATION_NUMBER_INVALID'
  | 'UNAVAILABLE'
  | 'UNKNOWN';

/** One entry of the wire's `errors` array. */
export interface WireError {
  code: RegistryErrorCode;
  message: string;
  detail?: unknown;
}

interface CodeInfo {
  status: number;
  kind: ErrorKind;
  message: string;
}

/** Status, taxonomy kind and distribution's default message for each code. */
const CODES: Record<RegistryErrorCode, CodeInfo> = {
  BLOB_UNKNOWN: { status: 404, kind: 'NotFound', message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, kind: 'InvalidArgument', message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, kind: 'NotFound', message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, kind: 'InvalidArgument', message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, kind: 'InvalidArgument', message: 'blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, kind: 'InvalidArgument', message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, kind: 'NotFound', message: 'manifest unknown' },
  NAME_INVALID: { status: 400, kind: 'InvalidArgument', message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, kind: 'NotFound', message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, kind: 'InvalidArgument', message: 'provided length did not match content length' },
  UNAUTHORIZED: { status: 401, kind: 'Unauthorized', message: 'authentication required' },
  DENIED: { status: 403, kind: 'Forbidden', message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, kind: 'NotImplemented', message: 'The operation is unsupported.' },
  TOOMANYREQUESTS: { status: 429, kind: 'Unavailable', message: 'too many requests' },
  PAGINATION_NUMBER_INVALID: { status: 400, kind: 'InvalidArgument', message: 'invalid number of results requested' },
  UNAVAILABLE: { status: 503, kind: 'Unavailable', message: 'service unavailable' },
  UNKNOWN: { status: 500, kind: 'Internal', message: 'unknown error' },
};

export interface RegistryErrorOptions {
  detail?: unknown;
  /** Overrides the code's usual status (e.g. 413 for an oversized MANIFEST_INVALID). */
  status?: number;
  /** Extra response headers (WWW-Authenticate on 401). */
  headers?: Record<string, string>;
  /** Further errors reported in the same response (several MANIFEST_BLOB_UNKNOWN). */
  more?: WireError[];
  cause?: unknown;
}

/** An error the registry answers with a distribution error code. */
export class RegistryError extends WharfError {
  readonly code: RegistryErrorCode;
  readonly status: number;
  readonly detail?: unknown;
  readonly headers: Record<string, string>;
  readonly more: WireError[];

  constructor(code: RegistryErrorCode, message?: string, opts: RegistryErrorOptions = {}) {
    const info = CODES[code];
    super(info.kind, message ?? info.message, { cause: opts.cause });
    this.code = code;
    this.status = opts.status ?? info.status;
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
    this.more = opts.more ?? [];
  }
}

/** Shorthand: `registryError('BLOB_UNKNOWN', undefined, { detail: { digest } })`. */
export function registryError(code: RegistryErrorCode, message?: string, opts?: RegistryErrorOptions): RegistryError {
  return new RegistryError(code, message, opts);
}

/** A taxonomy kind's nearest distribution code, for WharfErrors raised below the registry. */
function codeForKind(kind: ErrorKind): RegistryErrorCode {
  switch (kind) {
    case 'NotFound':
      return 'BLOB_UNKNOWN';
    case 'InvalidArgument':
      return 'BLOB_UPLOAD_INVALID';
    case 'Unauthorized':
      return 'UNAUTHORIZED';
    case 'Forbidden':
      return 'DENIED';
    case 'Unavailable':
      return 'UNAVAILABLE';
    case 'NotImplemented':
      return 'UNSUPPORTED';
    default:
      return 'UNKNOWN';
  }
}

/** What the wire gets for an error: status, headers and the JSON body. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { errors: WireError[] };
  /** True when the error is a bug (not a WharfError): the caller logs it. */
  unexpected: boolean;
}

/** The one place where a thrown value becomes the registry's HTTP answer. */
export function errorResponse(err: unknown): ErrorResponse {
  if (err instanceof RegistryError) {
    const first: WireError = { code: err.code, message: err.message };
    if (err.detail !== undefined) first.detail = err.detail;
    return { status: err.status, headers: err.headers, body: { errors: [first, ...err.more] }, unexpected: false };
  }
  if (isWharfError(err)) {
    const code = codeForKind(err.kind);
    return { status: CODES[code].status, headers: {}, body: { errors: [{ code, message: err.message }] }, unexpected: err.kind === 'Internal' };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, headers: {}, body: { errors: [{ code: 'UNKNOWN', message }] }, unexpected: true };
}
