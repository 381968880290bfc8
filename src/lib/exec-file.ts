import { spawn, type SpawnOptions } from 'node:child_process';
import { internal } from '../errdefs/index.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** stdin to feed the process. */
  input?: string | Uint8Array;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** When false, a non-zero exit is returned, not thrown. Default true. */
  check?: boolean;
  timeoutMs?: number;
}

/**
 * Runs a program (no shell) and collects its output. A non-zero exit throws an Internal error
 * naming the command, its exit code and its stderr, unless `check: false`.
 */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'] };
    if (opts.cwd) spawnOpts.cwd = opts.cwd;
    if (opts.env) spawnOpts.env = opts.env;
    if (opts.timeoutMs) spawnOpts.timeout = opts.timeoutMs;
    const child = spawn(cmd, args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(internal(`cannot run ${cmd}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      const res: RunResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? (signal ? 128 : 1),
      };
      if (res.code !== 0 && opts.check !== false) {
        const msg = res.stderr.trim() || res.stdout.trim();
        reject(internal(`${cmd} ${args.join(' ')} failed (exit ${res.code}${signal ? `, ${signal}` : ''}): ${msg}`));
        return;
      }
      resolve(res);
    });
    child.stdin?.on('error', () => {
      /* the program may exit before reading all input; its exit code tells */
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
