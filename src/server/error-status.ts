import type { ErrorKind } from '../errdefs/index.js';

/** The one place where an error kind becomes an HTTP status. */
export function statusForKind(kind: ErrorKind): number {
  switch (kind) {
    case 'NotFound':
      return 404;
    case 'InvalidArgument':
      return 400;
    case 'Conflict':
      return 409;
    case 'Unauthorized':
      return 401;
    case 'Forbidden':
      return 403;
    case 'Unavailable':
      return 503;
    case 'NotImplemented':
      return 501;
    case 'NotModified':
      return 304;
    case 'Canceled':
      return 499;
    case 'Internal':
      return 500;
  }
}
