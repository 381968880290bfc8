import { setFlagsFromString } from 'node:v8';

// No optimizing compiler during start-up. Functions that run hot only while the daemon loads its
// modules and state (the loaders, record parsing) would be optimized by TurboFan, whose code and
// zone memory then stay resident: ~5 MB of an idle daemon's ~65 MB (measured with
// bench/containers.mjs' idle RSS), for code that does not run again. The interpreter and
// Sparkplug still run; TurboFan is switched back on once the daemon listens (see main), so the
// request paths are optimized as they get hot (checked with --trace-opt: V8 reads the flag when
// it decides to optimize). The daemon's modules are imported in main, dynamically: static imports
// would be loaded before this line runs.
setFlagsFromString('--no-turbofan');

// Process-level GC tuning. V8 picks the heap's growing factor (1.1–4) from the speeds it measured
// for the mutator and the GC; on a busy machine those readings swing, and with a small daemon heap
// (~15 MB) streaming an image (every body chunk a fresh Buffer) then triggered a full mark-compact
// every few megabytes: up to 18 per 200 MB `docker load`, a third of the daemon's user CPU. Fixing
// the factor at V8's own maximum (4×, i.e. 300 %) keeps it to 2–3; the price is a heap allowed to
// grow to 4× its live size between collections. Read at every collection, so setting it from
// here takes effect. UV_THREADPOOL_SIZE, by contrast, cannot
// be set from here: the ESM loader already started the threadpool to read this very file.
setFlagsFromString('--heap-growing-percent=300');

/** wharfd entry point: parse flags, start, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const [{ parseDaemonArgs }, { startDaemon }] = await Promise.all([import('../daemon/config.js'), import('../daemon/daemon.js')]);
  let config: ReturnType<typeof parseDaemonArgs>;
  try {
    config = parseDaemonArgs(process.argv.slice(2));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
    process.stderr.write(`wharfd: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const daemon = await startDaemon(config);
  setFlagsFromString('--turbofan');
  const onSignal = (sig: NodeJS.Signals): void => {
    daemon.log.info('received signal', { signal: sig });
    daemon.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        daemon.log.error('shutdown failed', { err: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`wharfd: failed to start: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
