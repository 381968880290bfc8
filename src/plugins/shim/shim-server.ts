/**
 * The shim zygote's client (native/shim/serve.c): one `wharf-shim --serve` per shim binary and
 * daemon process, started at the first shim, forks every later shim. Starting a process from
 * wharfd costs 6–13 ms here (a fork of the whole Node process, exec, the dynamic loader); a
 * fork of the small server costs well under one, on every container start and every exec.
 *
 * The server answers only its parent (SO_PEERCRED), listens in the abstract namespace (no file
 * to leave behind), and dies with the daemon (PR_SET_PDEATHSIG); the shims it forks do not.
 * When it cannot start, or is gone, callers spawn the shim as before (spawn-shim.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** A running server: its abstract socket name. */
export interface ShimServer {
  name: string;
  pid: number;
}

const servers = new Map<string, Promise<ShimServer | undefined>>();

function startServer(shimPath: string): Promise<ShimServer | undefined> {
  const name = `wharf-shim-${process.pid}-${randomBytes(6).toString('hex')}`;
  return new Promise((resolve) => {
    const proc = spawn(shimPath, ['--serve', name], { stdio: ['ignore', 'pipe', 'ignore'] });
    // It must not keep the daemon (or a test) alive; it dies with us anyway.
    proc.unref();
    proc.once('error', () => resolve(undefined));
    proc.once('exit', () => {
      servers.delete(shimPath);
      resolve(undefined);
    });
    proc.stdout?.once('data', () => {
      proc.stdout?.destroy();
      resolve(proc.pid ? { name, pid: proc.pid } : undefined);
    });
  });
}

/** The server for `shimPath`, started on first use; undefined when it cannot run. */
export function shimServer(shimPath: string): Promise<ShimServer | undefined> {
  let s = servers.get(shimPath);
  if (!s) {
    s = startServer(shimPath);
    servers.set(shimPath, s);
  }
  return s;
}

/** Thrown when the server could not be reached: nothing was started, spawning is safe. */
export class ShimServerUnreachable extends Error {}

/**
 * Asks the server to run a shim with `args` (without --ready-fd: the connection is the ready
 * fd); resolves with what the shim wrote there (its readiness line) once it is closed.
 */
export function requestShim(server: ShimServer, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(args.map((a) => `${a}\0`).join(''));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    const chunks: Buffer[] = [];
    let connected = false;
    const sock = net.connect({ path: `\0${server.name}` }, () => {
      connected = true;
      sock.end(Buffer.concat([head, body]));
    });
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    sock.on('error', (err) => reject(connected ? err : new ShimServerUnreachable(err.message)));
  });
}
