import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { internal } from '../../errdefs/index.js';
import { inCreateWords, runtimeFailure } from '../runtime/runtime-errors.js';
import { requestShim, ShimServerUnreachable, shimServer } from './shim-server.js';
import { defaultShimPath } from './shim-paths.js';

/** The container's json-file log, written by the shim (containers only, not execs). */
export interface ShimLogOptions {
  path: string;
  /** Rotate before the file would exceed this many bytes; 0 or undefined: never. */
  maxSize?: number;
  /** Files kept, the live one included (Docker's `max-file`); default 1. */
  maxFiles?: number;
}

export interface SpawnShimOptions {
  /** The shim binary; default {@link defaultShimPath}. */
  shimPath?: string;
  /** The container id (the runtime's id). */
  id: string;
  /** The OCI bundle; required unless `exec` is given. */
  bundle?: string;
  /** The runtime binary (`runc`, `crun` or a path). */
  runtime: string;
  /** The runtime's private state directory (`--root`). */
  runtimeRoot: string;
  /** The shim's state dir: attach.sock, shim.pid, exit.json, … Created if missing. */
  stateDir: string;
  /** The process has a terminal (process.terminal in config.json / the exec's process.json). */
  tty?: boolean;
  /** Keep the process's stdin open for attach clients (`docker run -i`); else /dev/null. */
  stdin?: boolean;
  /** Runs `runtime exec --detach --process <exec>` in the running container `id`, not create. */
  exec?: string;
  /**
   * Runs the exec itself from this plan (native-exec-plan.ts) instead of `runtime exec`: the
   * shim joins the container's init and execs the process, with the runtime's interface.
   */
  nativeExec?: string;
  /**
   * Creates and starts the container in one runtime invocation (`runtime run --detach`) instead
   * of `create` (the caller then runs `runtime start`): one Go start-up less per container. The
   * shim keeps the output from the start for every client that connects until
   * {@link endStartWindow} (or 5 s), so clients that attach right after lose nothing.
   */
  start?: boolean;
  log?: ShimLogOptions;
  /** Spawn it from this process even when the shim server (shim-server.ts) is available. */
  noServer?: boolean;
}

/** What a started shim reports. */
export interface SpawnedShim {
  /** Host pid of the container's init (created, not started) or of the exec'd process (running). */
  pid: number;
  /** Pid of the detached shim process. */
  shimPid: number;
}

function shimArgs(o: SpawnShimOptions): string[] {
  const args = ['--id', o.id, '--runtime', o.runtime, '--runtime-root', o.runtimeRoot, '--state-dir', o.stateDir];
  if (o.bundle) args.push('--bundle', o.bundle);
  if (o.tty) args.push('--tty');
  if (o.stdin) args.push('--stdin');
  if (o.exec) args.push('--exec', o.exec);
  if (o.nativeExec) args.push('--native-exec', o.nativeExec);
  if (o.start) args.push('--start');
  if (o.log) {
    args.push('--log-path', o.log.path, '--log-max-size', String(o.log.maxSize ?? 0));
    args.push('--log-max-files', String(o.log.maxFiles ?? 1));
  }
  return args;
}

async function readAll(stream: Readable | null | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts a wharf-shim for a container (`runtime create`, or `run --detach` with `start`) or an
 * exec (`runtime exec --detach`, or the shim's own native exec) and waits for its readiness line.
 * Resolves once that returned: a container is then *created* (the caller attaches, then runs
 * `runtime start`) or, with `start`, running; an exec is running. The shim is forked by the shim
 * server (shim-server.ts) when it can be reached, else spawned from this process; either way it
 * detaches itself (double fork, setsid), so it outlives this process.
 *
 * Throws the runtime's own error as a WharfError (see runtime-errors.ts): InvalidArgument with a
 * RuntimeErrorDetail (exitCode 127/126) for a missing or non-executable program, Internal
 * otherwise.
 */
export async function spawnShim(opts: SpawnShimOptions): Promise<SpawnedShim> {
  const shimPath = opts.shimPath ?? defaultShimPath();
  await fs.mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
  const args = shimArgs(opts);
  const server = opts.noServer ? undefined : await shimServer(shimPath);
  let reply: { ready: string; stderr: string } | undefined;
  if (server) {
    try {
      reply = { ready: await requestShim(server, args), stderr: 'no output (forked by the shim server)' };
    } catch (err) {
      if (!(err instanceof ShimServerUnreachable)) throw internal(`wharf-shim for ${opts.id}: ${(err as Error).message}`, { cause: err });
    }
  }
  reply ??= await spawnDirect(shimPath, args);
  return parseReady(opts, reply.ready, reply.stderr);
}

/** Spawns the shim from this process (no server): fd 3 is its ready pipe. */
async function spawnDirect(shimPath: string, args: string[]): Promise<{ ready: string; stderr: string }> {
  // stdio 3 is a pipe only the shim writes: it reaches EOF when the detached shim has reported
  // (the intermediate processes exit; the runtime and container never inherit it).
  const child = spawn(shimPath, [...args, '--ready-fd', '3'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(internal(`cannot run ${shimPath}: ${err.message}`, { cause: err, hint: 'build it with `npm run build`' })),
    );
  });
  const [, ready, stderr] = await Promise.all([spawned, readAll(child.stdio[3] as Readable), readAll(child.stderr)]);
  return { ready, stderr };
}

/** The readiness line as a result, or the shim's (or runtime's) error as a WharfError. */
function parseReady(opts: SpawnShimOptions, ready: string, stderr: string): SpawnedShim {
  const line = ready.split('\n', 1)[0];
  let report: { pid?: number; shimPid?: number; error?: string };
  try {
    report = JSON.parse(line) as typeof report;
  } catch {
    throw internal(`wharf-shim for ${opts.id} exited without reporting readiness: ${stderr.trim() || 'no output'}`);
  }
  if (typeof report.error === 'string') {
    if (report.error.startsWith('wharf-shim:')) throw internal(report.error);
    throw runtimeFailure({ op: opts.exec || opts.nativeExec ? 'exec' : 'create', id: opts.id, root: opts.runtimeRoot }, inCreateWords(report.error));
  }
  if (typeof report.pid !== 'number' || typeof report.shimPid !== 'number') {
    throw internal(`wharf-shim for ${opts.id} reported ${line}`);
  }
  return { pid: report.pid, shimPid: report.shimPid };
}
