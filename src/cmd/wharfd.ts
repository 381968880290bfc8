import { parseDaemonArgs } from '../daemon/config.js';
import { startDaemon } from '../daemon/daemon.js';

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
