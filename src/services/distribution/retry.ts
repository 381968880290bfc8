/**
 * dockerd's retries of layer transfers (distribution/xfer): a layer download or upload that fails
 * with a transient error (see `isRetryable`: transport failures, 5xx) is tried again up to five
 * attempts in all, waiting 5, 10, 15, then 20 seconds between them, while the layer's progress
 * line counts down `Retrying in N seconds` once a second. Downloads resume where they stopped
 * (resumable-blob.ts); uploads start over, as dockerd's do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from '../../plugins/registry-client/registry-errors.js';
import { type MessageSink, statusLine } from './progress.js';

export interface RetryPolicy {
  /** Attempts in all, the first included (dockerd: 5 for downloads and for uploads). */
  attempts: number;
  /** Length of one countdown step ("second"); tests shorten it, as dockerd's tests do. */
  waitUnitMs: number;
}

/** dockerd's policy: five attempts, 5·n seconds before attempt n + 1. */
export const DOCKER_RETRY: RetryPolicy = { attempts: 5, waitUnitMs: 1000 };

/** Where a retry reports and what cancels its wait. */
export interface RetryContext {
  policy: RetryPolicy;
  /** The layer's short ID, the progress line the countdown goes to. */
  id: string;
  out: MessageSink;
  signal?: AbortSignal;
}

/**
 * After failed attempt `attempt` (1-based): throws `err` when the attempts are used up, else
 * counts down `attempt × 5` steps with one `Retrying in N second(s)` line per step.
 */
export async function backoff(ctx: RetryContext, err: unknown, attempt: number): Promise<void> {
  if (attempt >= ctx.policy.attempts) throw err;
  for (let delay = attempt * 5; delay > 0; delay--) {
    ctx.out(statusLine(`Retrying in ${delay} second${delay === 1 ? '' : 's'}`, ctx.id));
    try {
      await sleep(ctx.policy.waitUnitMs, undefined, { signal: ctx.signal });
    } catch {
      // Cancelled while waiting: the transfer ends with the failure that made it wait.
      throw err;
    }
  }
}

/** Runs `task`, again after a {@link backoff} whenever it fails with a retryable error. */
export async function withRetry<T>(ctx: RetryContext, task: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (err) {
      if (ctx.signal?.aborted || !isRetryable(err)) throw err;
      await backoff(ctx, err, attempt);
    }
  }
}
