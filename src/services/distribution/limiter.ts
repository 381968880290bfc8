/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in FIFO order (dockerd
 * downloads 3 layers and uploads 5 at a time).
 */
export class Limiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** True when a task started now would have to wait. */
  get saturated(): boolean {
    return this.running >= this.limit;
  }

  /**
   * Runs `task` in a slot. With `signal`, a task still waiting for its slot leaves the queue
   * when the signal aborts (rejecting with its reason): the slots are shared by the whole
   * daemon, and a failed pull must not wait for other pulls' transfers before it can clean up.
   */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.limit) {
      // The finishing task hands its slot over (running stays counted), so no newcomer can
      // slip in between the release and the waiter's resumption.
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const drop = () => {
          const i = this.queue.indexOf(wake);
          // Not queued any more: the slot was handed over already, the task runs (and fails fast).
          if (i < 0) return;
          this.queue.splice(i, 1);
          reject(signal!.reason);
        };
        const wake = () => {
          signal?.removeEventListener('abort', drop);
          resolve();
        };
        this.queue.push(wake);
        signal?.addEventListener('abort', drop, { once: true });
      });
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
