import { type ChildProcess, spawn, type StdioOptions as NodeStdio } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessExit, ProcessIO, StdioOptions, StdioSpec } from '../../core/runtime/runtime.js';
import { internal } from '../../errdefs/index.js';

/** The result of a runtime invocation that ran to its end. */
export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

function stdioEntry(s: StdioSpec | undefined): 'pipe' | 'ignore' | number {
  return s === undefined ? 'ignore' : s;
}

/** Node's stdio array for a container process's streams. */
export function nodeStdio(stdio: StdioOptions | undefined): NodeStdio {
  return [stdioEntry(stdio?.stdin), stdioEntry(stdio?.stdout), stdioEntry(stdio?.stderr)];
}

/** Spawns the runtime binary; a failure to spawn (ENOENT) rejects through the 'error' event. */
export function spawnRuntime(binary: string, args: string[], stdio: NodeStdio): ChildProcess {
  return spawn(binary, args, { stdio });
}

/**
 * Waits for a runtime process to exit, collecting its stdout/stderr when they were piped to us.
 * Used only where the runtime's own output is wanted (state, list, ps, version) or where the
 * streams belong to no container (`'ignore'`).
 */
export function finished(child: ChildProcess, input?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(internal(`cannot run ${child.spawnfile}: ${e.message}`, { cause: e })));
    // 'exit', not 'close': with create, the container inherits our pipes and keeps them open
    // long after the runtime itself has exited.
    child.on('exit', (code, signal) => {
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (child.stdin) {
      child.stdin.on('error', () => {
        /* the runtime may exit before reading its input; its exit code tells */
      });
      if (input !== undefined) child.stdin.end(input);
    }
  });
}

/** Exit status of a foreground runtime: runc and crun exit with the program's code or 128+signal. */
export function exitOf(child: ChildProcess): Promise<ProcessExit> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) {
      resolve({ exitCode: child.exitCode });
      return;
    }
    child.once('error', (e) => reject(internal(`cannot run ${child.spawnfile}: ${e.message}`, { cause: e })));
    child.once('exit', (code, signal) => {
      resolve({ exitCode: code ?? 128 + (signal ? signalNumber(signal) : 0) });
    });
  });
}

/**
 * Waits for the pid file a foreground runtime writes once the process started, or for the
 * runtime to exit first (a launch failure). Polling is short because a runtime writes the file
 * within milliseconds, and Node has no cheap notification for "file now exists and is complete".
 */
export async function waitForPidFile(pidFile: string, child: ChildProcess): Promise<number | undefined> {
  let exited = child.exitCode !== null || child.signalCode !== null;
  const onExit = () => {
    exited = true;
  };
  child.once('exit', onExit);
  try {
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      const pid = await readPidFile(pidFile);
      if (pid !== undefined) return pid;
      if (exited) return readPidFile(pidFile);
      await sleep(delay);
    }
  } finally {
    child.off('exit', onExit);
  }
}

/** The pid in a pid file, or undefined while it is missing or still empty. */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  try {
    const text = await fs.readFile(pidFile, 'utf8');
    const pid = Number.parseInt(text.trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The piped streams of a container process, taken from the runtime's ChildProcess. */
export interface TakenStdio {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
}

/**
 * Takes the piped stdio away from a runtime's ChildProcess, synchronously right after spawn.
 * The pipes belong to the container process, which outlives the runtime (create, exec -d), but
 * Node treats them as the runtime's: at the runtime's exit it destroys `child.stdin` and resumes
 * (drains and drops) any stdout/stderr nobody listens to yet. Unhooking stdin from the child and
 * piping the readables into PassThroughs (a listener, with backpressure) keeps every byte for
 * the caller, however late it starts reading.
 */
export function takeStdio(child: ChildProcess): TakenStdio {
  const io: TakenStdio = {};
  if (child.stdin) {
    io.stdin = child.stdin;
    child.stdin = null;
  }
  for (const name of ['stdout', 'stderr'] as const) {
    const src = child[name];
    if (!src) continue;
    const keep = new PassThrough();
    src.pipe(keep);
    io[name] = keep;
  }
  return io;
}

/** A ProcessIO from a pid and the taken streams. */
export function pipedIO(io: TakenStdio, pid: number): ProcessIO {
  return { pid, ...io };
}

const osSignals = osConstants.signals as Record<string, number | undefined>;

/** The number of a signal given by name (`SIGKILL`, `KILL`, `kill`) or number; NaN if unknown. */
export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number') return signal;
  if (/^\d+$/.test(signal)) return Number(signal);
  const upper = signal.toUpperCase();
  return osSignals[upper.startsWith('SIG') ? upper : `SIG${upper}`] ?? Number.NaN;
}
