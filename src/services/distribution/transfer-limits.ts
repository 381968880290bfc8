/**
 * dockerd's layer-transfer flags: `--max-concurrent-downloads` (3), `--max-concurrent-uploads`
 * (5) and `--max-download-attempts` (5). As in dockerd, the concurrency limits hold across the
 * whole daemon — two pulls running at once share the three download slots — and a limit of 0
 * means no limit (moby's transfer manager treats a zero concurrency limit that way).
 */
import { invalidArgument } from '../../errdefs/index.js';
import { Limiter } from './limiter.js';
import { DOCKER_RETRY, type RetryPolicy } from './retry.js';

export interface TransferLimits {
  /** Layers downloaded (and applied) at once across the daemon; 0: no limit. */
  maxConcurrentDownloads: number;
  /** Layers uploaded at once across the daemon; 0: no limit. */
  maxConcurrentUploads: number;
  /** Attempts per layer download, the first included (at least 1). */
  maxDownloadAttempts: number;
}

/** dockerd's defaults. */
export const DEFAULT_TRANSFER_LIMITS: Readonly<TransferLimits> = { maxConcurrentDownloads: 3, maxConcurrentUploads: 5, maxDownloadAttempts: 5 };

/**
 * Checks limits as dockerd's config validation does, with its messages (`invalid max concurrent
 * downloads: -1`, `invalid max download attempts: 0`). @throws InvalidArgument.
 */
export function validateTransferLimits(l: TransferLimits): void {
  const check = (n: number, what: string, min: number) => {
    if (!Number.isSafeInteger(n) || n < min) throw invalidArgument(`invalid ${what}: ${n}`);
  };
  check(l.maxConcurrentDownloads, 'max concurrent downloads', 0);
  check(l.maxConcurrentUploads, 'max concurrent uploads', 0);
  check(l.maxDownloadAttempts, 'max download attempts', 1);
}

/** A daemon-wide slot pool for `limit` transfers at once (0: unlimited). */
export function transferLimiter(limit: number): Limiter {
  return new Limiter(limit === 0 ? Number.POSITIVE_INFINITY : limit);
}

/**
 * dockerd's download retries with `attempts` attempts in all: its waits of 5, 10, 15, 20… s
 * between them (`--max-download-attempts 2` waits 5 s once, then gives up).
 */
export function downloadRetryPolicy(attempts: number): RetryPolicy {
  return { ...DOCKER_RETRY, attempts };
}
