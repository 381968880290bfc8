import type { ContainerExit, ShimReadyListener } from './container-service.js';

type Bag<T> = Map<string, Set<T>>;

function add<T>(bag: Bag<T>, key: string, value: T): () => void {
  let set = bag.get(key);
  if (!set) bag.set(key, (set = new Set()));
  set.add(value);
  return () => {
    set.delete(value);
    if (set.size === 0 && bag.get(key) === set) bag.delete(key);
  };
}

/**
 * Who waits for what, per container: exit listeners (every exit), removal listeners (wait
 * condition `removed`), one-shot shim-ready listeners (attach before start), and global removal
 * hooks. A throwing listener is logged by the caller's emit, never breaks the others.
 */
export class ListenerRegistry {
  private readonly exits: Bag<(exit: ContainerExit) => void> = new Map();
  private readonly removals: Bag<() => void> = new Map();
  private readonly shimReady: Bag<ShimReadyListener> = new Map();
  private readonly removedHooks = new Set<(id: string) => void>();

  onExit(id: string, l: (exit: ContainerExit) => void): () => void {
    return add(this.exits, id, l);
  }

  onRemoved(id: string, l: () => void): () => void {
    return add(this.removals, id, l);
  }

  onShimReady(id: string, l: ShimReadyListener): () => void {
    return add(this.shimReady, id, l);
  }

  onAnyRemoved(l: (id: string) => void): () => void {
    this.removedHooks.add(l);
    return () => this.removedHooks.delete(l);
  }

  emitExit(id: string, exit: ContainerExit): void {
    for (const l of [...(this.exits.get(id) ?? [])]) safe(() => l(exit));
  }

  emitRemoved(id: string): void {
    const ls = [...(this.removals.get(id) ?? [])];
    this.removals.delete(id);
    this.exits.delete(id);
    this.shimReady.delete(id);
    for (const l of ls) safe(l);
    for (const h of this.removedHooks) safe(() => h(id));
  }

  /** Takes (and forgets) the shim-ready listeners of `id`. */
  takeShimReady(id: string): ShimReadyListener[] {
    const ls = [...(this.shimReady.get(id) ?? [])];
    this.shimReady.delete(id);
    return ls;
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure is its own; the lifecycle goes on.
  }
}
