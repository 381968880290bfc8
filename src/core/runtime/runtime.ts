/**
 * The OCI runtime contract: what Wharf needs from runc or crun (or any runtime with their CLI).
 * Implementations live in src/plugins/runtime/; every one passes ./testsuite.ts.
 *
 * Lifecycle of a container (OCI runtime spec, "Lifecycle"):
 *   create(id, bundle) → status `created` (init process set up, user program not yet exec'd)
 *   start(id)          → status `running`
 *   pause/resume       → `paused` ↔ `running` (cgroup freezer)
 *   the program exits  → `stopped`; the runtime keeps its state until delete(id)
 *   delete(id)         → gone (with `force`, a running container is killed first)
 * `run` combines create and start in the foreground: the runtime process stays the parent of the
 * container's init and exits with its status, which is the only way a caller without a
 * subreaper learns the exit code.
 *
 * Errors: NotFound for an unknown id, Conflict for an operation the state forbids (e.g. start of a
 * running container), InvalidArgument for a config the runtime refuses to start (bad executable:
 * see {@link RuntimeErrorDetail}), Internal otherwise. Messages carry the runtime's own error text.
 */
import type { Readable, Writable } from 'node:stream';
import type { OciLinuxResources, OciProcess } from './oci-spec-types.js';

/** Status of a container as the runtime reports it. */
export type RuntimeStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** What `state` and `list` return for one container. */
export interface RuntimeState {
  id: string;
  status: RuntimeStatus;
  /** Host pid of the container's init; 0 once stopped. */
  pid: number;
  bundle: string;
  /** RFC 3339 creation time, when the runtime reports it. */
  created?: string;
}

/**
 * One standard stream of the container process: `'pipe'` gives the caller a Node stream,
 * `'ignore'` connects /dev/null, a number is an open file descriptor the process inherits
 * (a fifo, a file, a socket).
 */
export type StdioSpec = 'pipe' | 'ignore' | number;

export interface StdioOptions {
  stdin?: StdioSpec;
  stdout?: StdioSpec;
  stderr?: StdioSpec;
}

export interface CreateOptions {
  /** Where the runtime writes the init's host pid. */
  pidFile: string;
  /**
   * A unix socket path on which the runtime sends the pty master (process.terminal: true).
   * See src/lib/pty/. Without it, a terminal config is refused.
   */
  consoleSocket?: string;
  /** The init's stdio; default all `'ignore'`. Ignored for terminal processes. */
  stdio?: StdioOptions;
}

/** The streams asked for with `'pipe'`, and the process's host pid. */
export interface ProcessIO {
  pid: number;
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
}

/** How a process ended: the exit code, 128+n when killed by signal n (shell convention). */
export interface ProcessExit {
  exitCode: number;
}

/** A process whose runtime stays in the foreground: `wait` resolves with its exit status. */
export interface ForegroundProcess extends ProcessIO {
  wait(): Promise<ProcessExit>;
}

/** An exec'd process: `wait` is there unless it was started detached. */
export interface ExecProcess extends ProcessIO {
  wait?: () => Promise<ProcessExit>;
}

export interface RunOptions {
  pidFile: string;
  stdio?: StdioOptions;
}

export interface ExecOptions {
  pidFile: string;
  /** Return once the process started (no exit status). Required with `consoleSocket`. */
  detach?: boolean;
  consoleSocket?: string;
  stdio?: StdioOptions;
}

export interface RuntimeVersion {
  /** `runc` or `crun`. */
  name: string;
  version: string;
  /** The OCI runtime-spec version it implements. */
  spec: string;
  commit?: string;
}

/**
 * What an implementation attaches (as `cause`) to the WharfError of a failed create/start/exec/run,
 * so callers can map it the way Docker does.
 */
export interface RuntimeErrorDetail {
  /** The runtime's last error message (from its JSON log), e.g. `exec: "x": executable file not found in $PATH`. */
  runtimeMessage: string;
  /** 127 when the program does not exist, 126 when it cannot be executed (Docker's mapping). */
  exitCode?: 126 | 127;
}

/** An OCI runtime driven through its CLI (runc, crun). */
export interface OciRuntime {
  /** The runtime's name as given to Wharf (`runc`, `crun`). */
  readonly name: string;
  create(id: string, bundleDir: string, opts: CreateOptions): Promise<ProcessIO>;
  start(id: string): Promise<void>;
  /** Create and start in the foreground; the returned process's `wait` gives the exit status. */
  run(id: string, bundleDir: string, opts: RunOptions): Promise<ForegroundProcess>;
  state(id: string): Promise<RuntimeState>;
  /** Sends `signal` (name like `SIGTERM`/`TERM` or number) to init, or to every process with `all`. */
  kill(id: string, signal: string | number, opts?: { all?: boolean }): Promise<void>;
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  list(): Promise<RuntimeState[]>;
  /** Host pids of every process in the container. */
  ps(id: string): Promise<number[]>;
  /** Runs another process in a running container; foreground (with `wait`) unless `opts.detach`. */
  exec(id: string, process: OciProcess, opts: ExecOptions): Promise<ExecProcess>;
  /** Changes cgroup limits of a live container. */
  update(id: string, resources: OciLinuxResources): Promise<void>;
  version(): Promise<RuntimeVersion>;
}
