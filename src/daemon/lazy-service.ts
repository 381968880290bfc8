/**
 * A service built at its first use rather than at start-up. The composition root wraps in one of
 * these the subsystems an idle daemon does not need (the registry client pulls in undici, ~8 MB
 * of resident memory for its modules alone), and hands routes a proxy that awaits it.
 */
export interface LazyService<T> {
  /** The service, building it on the first call; every caller shares that one build. */
  get(): Promise<T>;
  /** The build if one was started (for shutdown: a service never built has nothing to close). */
  started(): Promise<T> | undefined;
}

/**
 * Wraps `build` (which should `import()` the service's modules) so that it runs once, at the
 * first {@link LazyService.get}. A failed build is not cached: the next call tries again, as a
 * daemon that built eagerly would not have started at all.
 */
export function lazyService<T>(build: () => Promise<T>): LazyService<T> {
  let pending: Promise<T> | undefined;
  return {
    get() {
      pending ??= build().catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
    started: () => pending,
  };
}
