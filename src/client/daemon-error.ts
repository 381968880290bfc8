import { type ErrorKind, WharfError } from '../errdefs/index.js';

/**
 * An error response from the daemon: an HTTP error status with `{"message": …}` (or a plain text
 * body). `message` is the daemon's message; the CLI prints it as docker does, prefixed with
 * `Error response from daemon: `.
 */
export class DaemonError extends WharfError {
  readonly status: number;

  constructor(status: number, message: string) {
    super(statusKind(status), message);
    this.status = status;
  }
}

/** The error kind for an HTTP status (the inverse of the server's one error→status map). */
export function statusKind(status: number): ErrorKind {
  switch (status) {
    case 304:
      return 'NotModified';
    case 400:
      return 'InvalidArgument';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 501:
      return 'NotImplemented';
    case 503:
      return 'Unavailable';
    default:
      return status >= 400 && status < 500 ? 'InvalidArgument' : 'Internal';
  }
}

/**
 * Builds the error for a failed response from its status and body: the JSON `message` when the
 * body is JSON, else the trimmed text, else moby client's wording for an empty body.
 */
export function daemonErrorFromBody(status: number, statusText: string, body: Buffer, apiVersion?: string): DaemonError {
  const text = body.toString('utf8').trim();
  let message = text;
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  if (!message) {
    message = `request returned ${statusText || status} for API route and version ${apiVersion ?? 'unknown'}, check if the server supports the requested API version`;
  }
  return new DaemonError(status, message);
}
