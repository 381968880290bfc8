/**
 * A promise-based mutex: `run(fn)` executes `fn` once every earlier `run` has settled. The image
 * service holds it while it changes which snapshots, blobs and records exist, so a removal can
 * never free a layer that a concurrent load has just decided to reuse.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}
