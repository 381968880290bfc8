import type { Logger } from '../../../lib/logger.js';

/** Background deletes running at once: each is a Go runtime start-up competing for the CPU. */
const DEFAULT_CONCURRENCY = 2;

interface Entry {
  /** Settles when the delete has run (it never rejects: failures are logged). */
  done: Promise<void>;
  /** Starts it now if it is still waiting for a slot (a start of the same id is waiting). */
  promote(): void;
}

/**
 * `runtime delete` of finished runs, taken off the exit path. A bare `runc run` removes its
 * container in the same process; wharfd needs a second runtime process (a Go start-up, 10–25 ms)
 * that, on the exit path, sat between the exit and `wait?condition=removed` answering. Once the
 * run's init has exited in its own pid namespace the kernel has killed every process of the run,
 * so what the delete still does — the runtime's state dir and its cgroup dirs — concerns no
 * client: it can come later.
 *
 * Invariants:
 * - at most one delete per id is pending; a start of that id must `await settled(id)` first
 *   (runc refuses to create an id whose state dir exists, and a late delete would remove the new
 *   run's state);
 * - `drain()` (daemon shutdown) waits for every pending delete, and any deferred after it runs
 *   inline, so a stopped daemon leaves no runtime state; what a `kill -9` cuts short is found by
 *   the start-up sweep (live-restore.ts), which defers it here again.
 */
export class RuntimeDeleteQueue {
  private readonly pending = new Map<string, Entry>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly concurrency = DEFAULT_CONCURRENCY,
  ) {}

  /** Whether a delete of `id` is queued or running. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** How many deletes are queued or running. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Queues `task` (the delete of `id`) to run once `after` settled and one of the slots is free,
   * and returns at once; after `drain()` began it runs inline and the returned promise settles
   * when it is done. A delete already pending for `id` is kept.
   */
  defer(id: string, task: () => Promise<void>, after?: Promise<unknown>): Promise<void> {
    const existing = this.pending.get(id);
    if (existing) return this.closed ? existing.done : Promise.resolve();
    let begin: () => void = () => undefined;
    const go = new Promise<void>((resolve) => {
      begin = resolve;
    });
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      this.running++;
      begin();
    };
    const done = go
      .then(task)
      .catch((err) => this.log.warn('background runtime delete failed', { id, err }))
      .finally(() => {
        this.running--;
        this.pending.delete(id);
        this.next();
      });
    this.pending.set(id, { done, promote: start });
    const enqueue = () => {
      if (this.closed || this.running < this.concurrency) start();
      else this.waiting.push(start);
    };
    // `after` only delays the task: promote() (a start of the same id) and drain() start it
    // regardless, so waiting for `after` can never hold up what the delete precedes.
    if (after && !this.closed) void after.then(enqueue, enqueue);
    else enqueue();
    return this.closed ? done : Promise.resolve();
  }

  /** Resolves once no delete of `id` is pending; a queued one is started at once (never rejects). */
  settled(id: string): Promise<void> {
    const entry = this.pending.get(id);
    if (!entry) return Promise.resolve();
    entry.promote();
    return entry.done;
  }

  /** Daemon shutdown: runs and awaits every pending delete; later ones run inline. */
  async drain(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    for (const e of this.pending.values()) e.promote();
    while (this.pending.size > 0) await Promise.all([...this.pending.values()].map((e) => e.done));
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) this.waiting.shift()?.();
  }
}
