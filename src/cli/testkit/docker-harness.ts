/**
 * Test support for comparing wharf with the real docker CLI on one private, real dockerd: starts
 * the daemon, loads a busybox image made with `wharf image bootstrap busybox`, runs wharf
 * in-process with captured streams, and asserts both CLIs print and exit alike.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../main.js';

/** What the harness needs of a private real dockerd (test/helpers/real-dockerd.ts provides it). */
export interface DockerDaemon {
  socketPath: string;
  /** `unix://…`. */
  host: string;
  /** Environment for the docker CLI (DOCKER_HOST, a private DOCKER_CONFIG). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBuffer: Buffer;
}

/** Runs a program to its end, collecting its output. */
function runProcess(cmd: string, args: string[], opts: { input?: string | Buffer; env: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBuffer = Buffer.concat(out);
      resolve({ code, stdout: stdoutBuffer.toString(), stderr: Buffer.concat(err).toString(), stdoutBuffer });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** The repository root (for spawning `src/cmd/wharf.ts` through tsx). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

class Capture extends PassThrough {
  isTTY = false;
  columns = 120;
  text = '';
  constructor() {
    super();
    this.on('data', (b: Buffer) => {
      this.text += b.toString('latin1');
    });
  }
}

export interface WharfRunOptions {
  stdin?: Buffer | string;
  /** Another daemon address (e.g. a recording proxy). */
  host?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Harness {
  d: DockerDaemon;
  /** Runs wharf in this process, against the real dockerd (or `host`). */
  wharf(args: string[], o?: WharfRunOptions): Promise<RunResult>;
  /** Runs the real docker CLI. */
  docker(args: string[], o?: { input?: string | Buffer; host?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** Runs both and asserts equal stdout, stderr ("wharf" read as "docker") and exit status. */
  same(args: string[], o?: { stdin?: string; normalize?: (s: string) => string; retries?: number }): Promise<RunResult>;
  stop(): Promise<void>;
}

/** Reads "wharf" in wharf's messages as "docker", as the image tests do. */
export const asDocker = (s: string) => s.replace(/wharf(?=[\s:'])/g, 'docker');

/**
 * Starts a real dockerd (through `start`, e.g. test/helpers' startRealDockerd, which test files
 * pass in so this module stays inside src/) and loads busybox:latest into it.
 */
export async function startHarness(start: () => Promise<DockerDaemon>): Promise<Harness> {
  const d = await start();
  const wharf = async (args: string[], o: WharfRunOptions = {}): Promise<RunResult> => {
    const stdout = new Capture();
    const stderr = new Capture();
    const stdin = Object.assign(Readable.from(o.stdin !== undefined ? [Buffer.from(o.stdin)] : []), { isTTY: false });
    const env = { ...process.env, ...o.env, DOCKER_HOST: o.host ?? d.host, WHARF_HOST: '' };
    const code = await main(args, { io: { stdout, stderr, stdin, env } });
    const buf = Buffer.from(stdout.text, 'latin1');
    return { code, stdout: buf.toString(), stderr: stderr.text, stdoutBuffer: buf };
  };
  const docker = (args: string[], o: { input?: string | Buffer; host?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runProcess('/usr/local/bin/docker', args, { input: o.input, env: { ...d.env, ...o.env, DOCKER_HOST: o.host ?? d.host } });
  const boot = await wharf(['image', 'bootstrap', 'busybox']);
  assert.equal(boot.code, 0, `bootstrap busybox: ${boot.stderr}`);
  const same = async (args: string[], o: { stdin?: string; normalize?: (s: string) => string; retries?: number } = {}) => {
    const norm = o.normalize ?? ((s: string) => s);
    for (let attempt = 0; ; attempt++) {
      const want = await docker(args, { input: o.stdin });
      const got = await wharf(args, { stdin: o.stdin });
      try {
        assert.equal(norm(got.stdout), norm(want.stdout), `stdout of ${args.join(' ')}`);
        assert.equal(norm(asDocker(got.stderr)), norm(want.stderr), `stderr of ${args.join(' ')}`);
        assert.equal(got.code, want.code, `exit status of ${args.join(' ')}`);
        return got;
      } catch (e) {
        // Relative times ("3 seconds ago") may tick between the two runs.
        if (attempt >= (o.retries ?? 0)) throw e;
      }
    }
  };
  return { d, wharf, docker, same, stop: () => d.stop() };
}
