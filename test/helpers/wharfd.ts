import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepHost } from './host-sweep.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DOCKER = '/usr/local/bin/docker';

/**
 * How to run our entry points: the compiled JS when WHARF_USE_DIST=1 (the test script builds
 * first, so the suite tests what ships), else the TypeScript sources through tsx.
 */
export function entry(name: 'wharf' | 'wharfd'): string[] {
  if (process.env.WHARF_USE_DIST === '1') return [path.join(REPO, 'dist/cmd', `${name}.js`)];
  return ['--import', 'tsx', path.join(REPO, 'src/cmd', `${name}.ts`)];
}

export interface CmdResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a program, collecting output; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {}): Promise<CmdResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 1 }));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export interface TestDaemon {
  dir: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  host: string;
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  /** The daemon's stderr so far (its log), for assertions and failure reports. */
  logs(): string;
  /** The real docker CLI against this daemon. */
  docker(args: string[], opts?: { input?: string | Buffer }): Promise<CmdResult>;
  /** Our CLI against this daemon. */
  wharf(args: string[], opts?: { input?: string | Buffer }): Promise<CmdResult>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Stops and removes every private path. */
  destroy(): Promise<void>;
}

export async function waitForSocket(socket: string, timeoutMs = 20_000, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(socket);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (proc && proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode} before listening`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${socket}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a private wharfd: its own socket, data root, exec root and pid file under a fresh temp
 * dir, so tests never collide with each other or a developer's daemon. Pass `dir` to restart on
 * the same paths.
 */
export async function startWharfd(opts: { dir?: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<TestDaemon> {
  const dir = opts.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-test-')));
  const socket = path.join(dir, 'wharf.sock');
  const dataRoot = path.join(dir, 'data');
  const execRoot = path.join(dir, 'exec');
  const pidfile = path.join(dir, 'wharfd.pid');
  const host = `unix://${socket}`;
  const args = [...entry('wharfd'), '--host', host, '--data-root', dataRoot, '--exec-root', execRoot, '--pidfile', pidfile, ...(opts.extraArgs ?? [])];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO, env: opts.env ?? process.env });
  let log = '';
  proc.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    // Ready when our own process holds the pid file and the socket answers (a socket alone
    // could belong to another daemon on the same paths).
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`wharfd exited with ${proc.exitCode} before listening`);
      const pid = await fs.readFile(pidfile, 'utf8').catch(() => '');
      if (Number(pid.trim()) === proc.pid) break;
      if (Date.now() > deadline) throw new Error('timed out waiting for wharfd to write its pid file');
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitForSocket(socket, 30_000, proc);
  } catch (err) {
    proc.kill('SIGKILL');
    await exited;
    // A daemon that failed part-way may have made host objects already (its default bridge keeps
    // a subnet taken for every later daemon on the machine): swept like a destroyed one's.
    const left = await sweepHost({ dir, dataRoot, execRoot }).catch(() => [] as string[]);
    if (!opts.dir) await fs.rm(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n--- wharfd log ---\n${log}${left.length ? `\n--- swept: ${left.join(', ')}` : ''}`);
  }
  const env = { ...process.env, DOCKER_HOST: host, WHARF_HOST: host, DOCKER_CONFIG: path.join(dir, 'docker-config'), DOCKER_BUILDKIT: '0' };
  const d: TestDaemon = {
    dir,
    socket,
    dataRoot,
    execRoot,
    pidfile,
    host,
    env,
    proc,
    logs: () => log,
    docker: (a, o = {}) => run(DOCKER, a, { env, ...o }),
    wharf: (a, o = {}) => run(process.execPath, [...entry('wharf'), ...a], { env, ...o }),
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    destroy: async () => {
      await d.stop();
      const left = await sweepHost({ dir, dataRoot, execRoot });
      // Only a daemon stopped with containers still running leaves these; say so in the log.
      if (left.length) process.stderr.write(`# wharfd on ${dir} left behind (swept): ${left.join(', ')}\n`);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  return d;
}
