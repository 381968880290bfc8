import { setFlagsFromString } from 'node:v8';
import { parseDaemonArgs } from '../daemon/config.js';
import { startDaemon } from '../daemon/daemon.js';

// Process-level GC tuning. V8 picks the heap's growing factor (1.1–4) from the speeds it measured
// for the mutator and the GC; on a busy machine those readings swing, and with a small daemon heap
// (~15 MB) streaming an image (every body chunk a fresh Buffer) then triggered a full mark-compact
// every few megabytes: up to 18 per 200 MB `docker load`, a third of the daemon's user CPU. Fixing
// the factor at V8's own maximum (4×, i.e. 300 %) keeps it to 2–3; the price is a heap allowed to
// grow to 4× its live size between collections. Read at every collection, so setting it here
// (after start-up, before the first request) takes effect. UV_THREADPOOL_SIZE, by contrast, cannot
// be set from here: the ESM loader already started the threadpool to read this very file.
setFlagsFromString('--heap-growing-percent=300');

/** wharfd entry point: parse flags, start, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
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
