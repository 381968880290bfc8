import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { internal } from '../../errdefs/index.js';

/** A command's result: its exit status and its stdout and stderr together. */
export interface ShellResult {
  code: number;
  output: string;
}

/** Quotes one argument for a POSIX shell: `'…'`, with `'` written as `'\''`. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

type Refable = { ref?(): void; unref?(): void };

/** The daemon's event loop waits for the helper only while a command is in flight; idle, it exits when its stdin closes. */
function hold(proc: ChildProcess, on: boolean): void {
  for (const h of [proc, proc.stdout, proc.stdin] as unknown as Refable[]) {
    if (on) h?.ref?.();
    else h?.unref?.();
  }
}

/**
 * One long-lived `/bin/sh` that runs the builder's short system commands (`mount`, `umount`)
 * one at a time. Why: every step of a build mounts and unmounts its root filesystem, and
 * Node has no mount(2), so each is a process; a spawn from the daemon forks the whole Node
 * process, which blocks its event loop for 10–30 ms on a loaded machine, while the small shell
 * forks itself for next to nothing. Commands are written to the shell's stdin with every
 * argument quoted (no word splitting or expansion of caller data), stdin from /dev/null, and
 * end with a random marker line carrying the exit status. A shell that dies is started again
 * on the next command; the one in flight fails.
 */
export class CommandShell {
  private proc: ChildProcess | undefined;
  private out = '';
  private pending: { marker: string; resolve(r: ShellResult): void; reject(e: unknown): void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** Runs `argv` (argv[0] found on PATH) in the shell; resolves with its status, never throws for a non-zero one. */
  run(argv: readonly string[]): Promise<ShellResult> {
    const next = this.queue.then(() => this.exec(argv));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the shell (its stdin closes; it exits after the command in flight). */
  close(): void {
    this.proc?.stdin?.end();
    this.proc = undefined;
  }

  private exec(argv: readonly string[]): Promise<ShellResult> {
    const proc = this.proc ?? this.start();
    const marker = `__wharf_${randomBytes(8).toString('hex')}`;
    return new Promise<ShellResult>((resolve, reject) => {
      // Referenced while a command runs (a caller waits on it), unreferenced in between.
      hold(proc, true);
      const done = () => hold(proc, false);
      this.pending = {
        marker,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      // The status goes after a newline of its own, so output without a final newline still ends cleanly.
      proc.stdin!.write(`${argv.map(shellQuote).join(' ')} </dev/null 2>&1; printf '\\n%s %d\\n' ${marker} $?\n`);
    });
  }

  private start(): ChildProcess {
    const proc = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.proc = proc;
    this.out = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (chunk: string) => {
      this.out += chunk;
      this.settle();
    });
    const gone = (err?: unknown) => {
      if (this.proc === proc) this.proc = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(internal(`the builder's command shell exited${err ? `: ${String(err)}` : ''}`, err === undefined ? {} : { cause: err }));
    };
    proc.on('error', gone);
    proc.on('exit', () => gone());
    proc.stdin!.on('error', () => undefined); // reported through 'exit'
    hold(proc, false);
    return proc;
  }

  private settle(): void {
    const p = this.pending;
    if (!p) return;
    const m = new RegExp(`\\n${p.marker} (\\d+)\\n`).exec(this.out);
    if (!m) return;
    const output = this.out.slice(0, m.index);
    this.out = this.out.slice(m.index + m[0].length);
    this.pending = undefined;
    p.resolve({ code: Number(m[1]), output });
  }
}
