/**
 * Starts a private, real Docker daemon (Debian's dockerd 20.10) on throw-away paths, as an oracle
 * for tests: compare what Wharf does with what Docker does on the same daemon. Every path lives
 * under one fresh temp dir, so several daemons (and the developer's own) can run side by side.
 *
 * ```ts
 * const d = await startRealDockerd();
 * after(() => d.stop());
 * await d.docker(['import', tarPath, 'x:1']);
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { privateDockerdArgs } from '../../bench/lib/dockerd-args.mjs';

/** The docker CLI used as an oracle (the preinstalled client 28). */
export const DOCKER_CLI = '/usr/local/bin/docker';

export interface RealDockerd {
  /** The temp dir holding the socket, data root, exec root and pid file. */
  dir: string;
  /** Path of the daemon's unix socket. */
  socketPath: string;
  /** `unix://<socketPath>`, for DOCKER_HOST / WHARF_HOST. */
  host: string;
  /** Environment for child processes: process.env plus DOCKER_HOST pointing here. */
  env: NodeJS.ProcessEnv;
  /** Runs the real docker CLI against this daemon. Never throws on a non-zero exit. */
  docker(args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** Stops the daemon with SIGTERM (SIGKILL after 20 s) and removes its directories. */
  stop(): Promise<void>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBuffer: Buffer;
}

/** Runs a command, collecting its output; resolves on exit whatever the status. */
export function runProcess(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBuffer = Buffer.concat(out);
      resolve({ code, stdout: stdoutBuffer.toString(), stderr: Buffer.concat(err).toString(), stdoutBuffer });
    });
    child.stdin.on('error', () => {}); // the child may exit before reading all its input
    child.stdin.end(opts.input ?? '');
  });
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/**
 * Starts dockerd with no bridge, no iptables and overlay2 on a fresh temp dir and waits (up to
 * `timeoutMs`, default 60 s) until `/_ping` answers. Its stderr is kept and shown if it fails to
 * start.
 */
export async function startRealDockerd(opts: { timeoutMs?: number } = {}): Promise<RealDockerd> {
  // Short prefix: a unix socket path must stay under 108 bytes.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-rd-'));
  const socketPath = path.join(dir, 'docker.sock');
  const args = privateDockerdArgs(dir, socketPath);
  // dockerd runs under a small watchdog shell: SIGTERM to the shell stops dockerd cleanly, and if
  // the test process dies without calling stop(), the shell notices (its parent is gone) and stops
  // dockerd and removes the directory, so a crashed test leaves no daemon behind.
  const watchdog = `
    dockerd "$@" & d=$!
    trap 'kill -TERM $d 2>/dev/null; wait $d; exit 0' TERM INT
    while kill -0 ${process.pid} 2>/dev/null && kill -0 $d 2>/dev/null; do sleep 1 & wait $!; done
    if kill -0 $d 2>/dev/null; then
      kill -TERM $d; wait $d
      grep -o ' ${dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l; rm -rf '${dir}'
    fi`;
  const child = spawn('sh', ['-c', watchdog, 'sh', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => {
    log = (log + b.toString()).slice(-20000);
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  while (!(await ping(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`dockerd did not start (exit ${child.exitCode}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const host = `unix://${socketPath}`;
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: path.join(dir, 'docker-config') };
  return {
    dir,
    socketPath,
    host,
    env,
    docker: (dargs, o = {}) => runProcess(DOCKER_CLI, dargs, { input: o.input, env: { ...env, ...o.env } }),
    async stop() {
      child.kill('SIGTERM');
      if (!(await waitExit(child, 20000))) {
        child.kill('SIGKILL');
        await waitExit(child, 5000);
      }
      // dockerd leaves overlay mounts behind only if killed; unmount anything under our root.
      await runProcess('sh', ['-c', `grep -o ' ${dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
