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

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      // The finishing task hands its slot over (running stays counted), so no newcomer can
      // slip in between the release and the waiter's resumption.
      await new Promise<void>((resolve) => this.queue.push(resolve));
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
