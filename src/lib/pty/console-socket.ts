import { close as closeFd, promises as fs } from 'node:fs';
import { UServer, type USocket } from 'usocket';
import { internal } from '../../errdefs/index.js';
import { openPtyMaster, type PtyMaster } from './pty-master.js';

/**
 * A unix socket on which an OCI runtime (`runc create --console-socket PATH`) sends the master
 * side of the container's pty. Node cannot receive file descriptors (no SCM_RIGHTS), so the
 * listener is usocket's native one.
 *
 * Lifecycle: listen → pass `path` to the runtime's create/exec → `receive()` resolves once the
 * runtime connected and sent the fd → `close()` (also removes the socket file). The daemon then
 * owns the master for the container's whole life; the socket is no longer needed.
 */
export interface ConsoleSocket {
  readonly path: string;
  /** The pty master the runtime sends; rejects after `timeoutMs` (default 10 s) or on close. */
  receive(timeoutMs?: number): Promise<PtyMaster>;
  close(): Promise<void>;
}

/** Listens on `socketPath` (which must not exist) for a runtime's console fd. */
export async function listenConsoleSocket(socketPath: string): Promise<ConsoleSocket> {
  const server = new UServer();
  const received: number[] = [];
  const waiters: { resolve: (fd: number) => void; reject: (e: Error) => void }[] = [];
  let closed = false;
  const deliver = (fd: number) => {
    const w = waiters.shift();
    if (w) w.resolve(fd);
    else received.push(fd);
  };
  server.on('connection', (sock: USocket) => {
    // runc writes the name of the terminal ("/dev/ptmx") with one fd in the same message, then
    // hangs up; the data itself is not needed, but must be read for the stream to end.
    sock.on('fds', (fds) => fds.forEach(deliver));
    sock.on('data', () => undefined);
    sock.on('end', () => sock.end());
    sock.on('error', () => sock.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    path: socketPath,
    receive(timeoutMs = 10_000) {
      const ready = received.shift();
      if (ready !== undefined) return Promise.resolve(openPtyMaster(ready));
      if (closed) return Promise.reject(internal('console socket is closed'));
      return new Promise<PtyMaster>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(internal(`no console received on ${socketPath} within ${timeoutMs} ms`));
        }, timeoutMs);
        const w = {
          resolve: (fd: number) => {
            clearTimeout(timer);
            resolve(openPtyMaster(fd));
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        waiters.push(w);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      server.close();
      for (const w of waiters.splice(0)) w.reject(internal('console socket is closed'));
      // An fd that arrived but was never asked for would leak: close it.
      for (const fd of received.splice(0)) closeFd(fd, () => undefined);
      await fs.rm(socketPath, { force: true });
    },
  };
}
