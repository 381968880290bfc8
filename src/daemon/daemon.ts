import { promises as fs } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { createEventBus } from '../core/events/events.js';
import { runCommand } from '../lib/exec-file.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { InsecureRegistries } from '../plugins/registry-client/insecure-registries.js';
import { createEngineServer } from '../server/http-server.js';
import { Router } from '../server/router.js';
import { systemRoutes } from '../server/routes/system.js';
import { SystemService } from '../services/system/system-service.js';
import type { DaemonConfig } from './config.js';
import { acquirePidfile, clearStaleSocket, loadEngineId } from './lifecycle.js';
import { wireSubsystems } from './wire.js';

export interface RunningDaemon {
  readonly config: DaemonConfig;
  readonly log: Logger;
  /** Stops serving, closes every subsystem, removes the socket and pid file. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The composition root: builds the object graph from the config, serves the API, and returns a
 * handle to stop it. Nothing else in the tree constructs subsystems.
 */
export async function startDaemon(config: DaemonConfig): Promise<RunningDaemon> {
  const log = createLogger(config.logLevel);
  await fs.mkdir(config.dataRoot, { recursive: true, mode: 0o711 });
  await fs.mkdir(config.execRoot, { recursive: true, mode: 0o700 });
  await acquirePidfile(config.pidfile);

  const events = createEventBus();
  const engineId = await loadEngineId(config.dataRoot);
  const subsystems = await wireSubsystems({ config, log, events });
  const system = await SystemService.create({
    engineId,
    dataRoot: config.dataRoot,
    runtime: config.runtime,
    counts: subsystems.counts,
    listeners: () => events.listenerCount(),
    debug: config.logLevel === 'debug',
  });

  const registryConfig = new InsecureRegistries(config.insecureRegistries).serviceConfig();
  const router = new Router().add(systemRoutes(system, { registryConfig: () => registryConfig })).add(subsystems.routes);
  const server = createEngineServer(router, log);
  await listen(server, config);
  log.info('API listen', { socket: config.socketPath, dataRoot: config.dataRoot });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long-lived streams (logs -f, events) would hold close() forever.
        server.closeAllConnections();
      });
      await subsystems.close();
      await fs.rm(config.socketPath, { force: true });
      await fs.rm(config.pidfile, { force: true });
      log.info('daemon stopped');
    })();
    return stopping;
  };
  return { config, log, stop };
}

async function listen(server: Server, config: DaemonConfig): Promise<void> {
  await fs.mkdir(path.dirname(config.socketPath), { recursive: true });
  await clearStaleSocket(config.socketPath);
  // Listen with a umask that keeps the socket private until chmod gives it 0660: there is no
  // window in which another user could connect to a root daemon.
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(old);
  }
  await fs.chmod(config.socketPath, 0o660);
  if (config.group) await runCommand('chgrp', [config.group, config.socketPath]);
}
