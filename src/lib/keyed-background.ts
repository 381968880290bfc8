/**
 * Work taken off a client's path, kept per key (a container id) so that whatever must come after
 * it can wait for it: tasks of one key run one after another, in the order given; `settled(key)`
 * resolves once the key's tasks so far are done; `drain()` (shutdown) waits for every key's.
 * A task never makes the chain reject: its failure goes to `onError` and the next task runs.
 */
export class KeyedBackground {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly onError: (key: string, err: unknown) => void) {}

  /** Runs `task` once the key's earlier tasks are done; resolves (never rejects) when it is. */
  run(key: string, task: () => Promise<unknown>): Promise<void> {
    const before = this.pending.get(key) ?? Promise.resolve();
    const done: Promise<void> = before
      .then(task)
      .then(
        () => undefined,
        (err) => this.onError(key, err),
      )
      .finally(() => {
        if (this.pending.get(key) === done) this.pending.delete(key);
      });
    this.pending.set(key, done);
    return done;
  }

  /** Whether `key` has work queued or running. */
  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Resolves once every task of `key` queued so far is done (at once when there is none). */
  settled(key: string): Promise<void> {
    return this.pending.get(key) ?? Promise.resolve();
  }

  /** Resolves once no key has work left, including work queued while waiting. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending.values()]);
  }
}
