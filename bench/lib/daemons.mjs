// Private daemons for benchmarks: a wharfd (compiled JS) and a real dockerd, each on its own
// socket, data root, exec root and pid file under a fresh temp dir, so a benchmark never touches a
// developer's daemon and several can run side by side. Both are stopped (and their paths removed)
// by stop(); stopAll() is wired to SIGINT/SIGTERM so an interrupted run leaves nothing behind.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateDockerdArgs } from './dockerd-args.mjs';
import { run } from './proc.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DOCKER = process.env.DOCKER_CLI ?? '/usr/local/bin/docker';

/** The compiled wharf to benchmark: $WHARF_DIST (e.g. a private `tsc --outDir`), default dist/. */
export function wharfDist() {
  return path.resolve(REPO, process.env.WHARF_DIST ?? 'dist');
}

const live = new Set();

/** Stops every daemon still running (for signal handlers and `finally`). */
export async function stopAll() {
  await Promise.allSettled([...live].map((d) => d.stop()));
}

function ping(socketPath) {
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

function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Lazily unmounts whatever a daemon left mounted under `dir` (deepest first), then removes it. */
async function cleanDir(dir) {
  await run('sh', ['-c', `grep -o ' ${dir}/[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
  await rm(dir, { recursive: true, force: true });
}

async function startDaemon(kind, cmd, args, dir, socketPath) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (b) => {
    log = (log + b.toString()).slice(-20000);
  });
  const deadline = Date.now() + 60_000;
  while (!(await ping(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await cleanDir(dir);
      throw new Error(`${kind} did not start (exit ${child.exitCode}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const host = `unix://${socketPath}`;
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: path.join(dir, 'docker-config'), DOCKER_BUILDKIT: '0' };
  const d = {
    kind,
    dir,
    socketPath,
    host,
    env,
    pid: child.pid,
    /** Runs the real docker CLI against this daemon; rejects on a non-zero exit. */
    docker: (dargs, opts = {}) => run(DOCKER, dargs, { ...opts, env, check: true }),
    log: () => log,
    async stop() {
      if (!live.has(d)) return;
      live.delete(d);
      child.kill('SIGTERM');
      if (!(await exited(child, 30_000))) {
        child.kill('SIGKILL');
        await exited(child, 5000);
      }
      await cleanDir(dir);
    },
  };
  live.add(d);
  return d;
}

/** Starts a private wharfd from the compiled tree (see wharfDist). */
export async function startWharfd() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-bw-'));
  const socketPath = path.join(dir, 'wharf.sock');
  const args = [
    path.join(wharfDist(), 'cmd/wharfd.js'),
    '--host',
    `unix://${socketPath}`,
    '--data-root',
    path.join(dir, 'data'),
    '--exec-root',
    path.join(dir, 'exec'),
    '--pidfile',
    path.join(dir, 'wharfd.pid'),
    '--log-level',
    'warn',
  ];
  return startDaemon('wharfd', process.execPath, args, dir, socketPath);
}

/** Starts a private real dockerd (Debian's docker.io): no bridge, no iptables, overlay2. */
export async function startDockerd() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-bd-'));
  const socketPath = path.join(dir, 'docker.sock');
  const args = [...privateDockerdArgs(dir, socketPath), '--log-level', 'warn'];
  return startDaemon('dockerd', 'dockerd', args, dir, socketPath);
}

/** Starts a fresh daemon of `kind` ('wharfd' | 'dockerd'). */
export function startFresh(kind) {
  return kind === 'wharfd' ? startWharfd() : startDockerd();
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    process.stderr.write(`\n${sig}: stopping the benchmark daemons\n`);
    stopAll().finally(() => process.exit(130));
  });
}
