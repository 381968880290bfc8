import type { HostConfig } from '../../../spec/engine/types.js';

/** Docker's restart backoff: 100 ms, doubling per restart, at most a minute (moby restartmanager). */
const DEFAULT_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
/** A run at least this long resets the backoff. */
const RESET_AFTER_MS = 10_000;

/** The decision for one exit. */
export interface RestartDecision {
  restart: boolean;
  /** Delay before the new start. */
  delayMs: number;
}

/**
 * The per-container restart policy state (moby restartmanager.RestartManager): decides after each
 * exit whether to start again and after what delay, and can be cancelled (`stop`, `kill`, `rm`:
 * Docker's ExitOnNext) so a pending restart never happens.
 */
export class RestartManager {
  private delayMs = 0;
  private restarts = 0;
  private cancelled = false;
  private timer: NodeJS.Timeout | undefined;

  /** Decides after an exit (`ranForMs`: how long that run lasted). */
  shouldRestart(h: HostConfig, exitCode: number, manuallyStopped: boolean, ranForMs: number): RestartDecision {
    if (this.cancelled) return { restart: false, delayMs: 0 };
    if (ranForMs >= RESET_AFTER_MS) this.delayMs = 0;
    this.delayMs = this.delayMs === 0 ? DEFAULT_DELAY_MS : Math.min(this.delayMs * 2, MAX_DELAY_MS);
    const name = h.RestartPolicy?.Name ?? 'no';
    const max = h.RestartPolicy?.MaximumRetryCount ?? 0;
    let restart = false;
    if (name === 'always') restart = true;
    else if (name === 'unless-stopped') restart = !manuallyStopped;
    else if (name === 'on-failure') restart = exitCode !== 0 && (max === 0 || this.restarts < max);
    if (restart) this.restarts++;
    return { restart, delayMs: this.delayMs };
  }

  /** Runs `fn` after `delayMs` unless cancelled first. */
  schedule(delayMs: number, fn: () => void): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.cancelled) fn();
    }, delayMs);
  }

  /** Whether cancel() was called: no restart may happen any more. */
  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Whether a restart is waiting for its delay. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** No restart after the next exit, and none pending (Docker's ExitOnNext / Cancel). */
  cancel(): void {
    this.cancelled = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
