/**
 * One lock per key (container id): state transitions of a container (start, exit handling,
 * pause, rename, removal) run one at a time, while different containers proceed in parallel.
 * Stop and kill do not take it while they wait for the exit, or the exit handler (which needs
 * it) could never run.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier holder of `key` is done; the key is forgotten when idle. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
