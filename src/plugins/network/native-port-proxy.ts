/**
 * The TCP userland proxy as a process of its own: native/proxy (wharf-proxy, docker-proxy's
 * flags), one per published TCP port, moving bytes with splice(2) instead of through the daemon's
 * heap and event loop. It binds the port itself and answers one line on stdout ("ok PORT" or
 * "err ERRNO MSG"), so a taken port fails here with the same EADDRINUSE/EADDRNOTAVAIL codes the
 * in-daemon listener gave. It cannot outlive the daemon: it asks the kernel for SIGKILL when its
 * parent dies (PR_SET_PDEATHSIG) and exits on EOF of the stdin pipe the daemon holds; a daemon
 * restart therefore finds no proxies to reap and starts them again (network-restore.ts).
 * UDP stays in the daemon (port-proxy.ts): loopback UDP is carried by DNAT anyway.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PortProxy, ProxyTarget } from '../../core/network/network.js';
import { startProxy as startInDaemonProxy } from './port-proxy.js';

/**
 * The proxy binary that scripts/build-shim.sh puts beside the compiled tree (dist/wharf-proxy);
 * from src/ through tsx, the package's dist/wharf-proxy. WHARF_PROXY_PATH overrides both.
 */
export function defaultProxyPath(): string {
  if (process.env.WHARF_PROXY_PATH) return process.env.WHARF_PROXY_PATH;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.resolve(here, '../../wharf-proxy');
  return existsSync(sibling) ? sibling : path.resolve(here, '../../../dist/wharf-proxy');
}

/** An Error carrying the errno name the proxy reported, as Node's listen errors do. */
function bindFailure(line: string): Error {
  const [, code = 'EIO', ...rest] = line.split(' ');
  return Object.assign(new Error(rest.join(' ') || line), { code });
}

/** Resolves with the proxy's first stdout line, or rejects when it exits without one. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`wharf-proxy exited (${signal ?? code}) before listening`)));
  });
}

/** Starts one wharf-proxy for a TCP target; rejects with the bind error (err.code) if it cannot listen. */
export async function startNativeProxy(binary: string, t: ProxyTarget): Promise<PortProxy> {
  const args = ['-proto', 'tcp', '-host-ip', t.hostIp, '-host-port', String(t.hostPort), '-container-ip', t.containerIp, '-container-port', String(t.containerPort)];
  // stdin stays a pipe held by the daemon: its EOF (the daemon gone) ends the proxy.
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  // Nothing is written to it; a pipe error when the proxy is gone must not crash the daemon.
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const line = await firstLine(child).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  if (!line.startsWith('ok ')) {
    child.kill('SIGKILL');
    await exited;
    throw bindFailure(line);
  }
  // Nothing the daemon waits on: a published port must not keep an exiting daemon alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    port: Number(line.slice(3)),
    close: async () => {
      // Its sockets close with it: clients see the connection end, as with the in-daemon proxy.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * The daemon's proxy factory: TCP through wharf-proxy when the binary is there, UDP (and TCP
 * in a tree built without it) through the in-daemon proxy.
 */
export function proxyFactory(binary = defaultProxyPath()): (t: ProxyTarget) => Promise<PortProxy> {
  const native = existsSync(binary);
  return (t) => (t.proto === 'tcp' && native ? startNativeProxy(binary, t) : startInDaemonProxy(t));
}
