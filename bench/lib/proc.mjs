// Running programs from benchmarks.
import { spawn } from 'node:child_process';

/**
 * Runs a program (no shell) and collects its output. With `check: true` a non-zero exit rejects
 * with the command and its stderr, so a benchmark never times a failure.
 */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const res = { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (opts.check && code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${res.stderr.trim() || res.stdout.trim()}`));
      else resolve(res);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Runs a program with its output to /dev/null and resolves with its exit code once it exits (not
 * once its output closes: `runc create` hands its stdio to the container, which outlives it).
 */
export function runToExit(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (opts.check && code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`));
      else resolve(code);
    });
  });
}
