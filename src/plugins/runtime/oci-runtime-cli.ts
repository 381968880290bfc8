import type { StdioOptions as NodeStdio } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OciLinuxResources, OciProcess } from '../../core/runtime/oci-spec-types.js';
import type {
  CreateOptions,
  ExecOptions,
  ExecProcess,
  ForegroundProcess,
  OciRuntime,
  RunOptions,
  RuntimeState,
  RuntimeStatus,
  RuntimeVersion,
} from '../../core/runtime/runtime.js';
import { internal, invalidArgument } from '../../errdefs/index.js';
import { lastLoggedError, type RuntimeOp, runtimeFailure } from './runtime-errors.js';
import {
  exitOf,
  type Finished,
  finished,
  nodeStdio,
  pipedIO,
  readPidFile,
  signalNumber,
  spawnRuntime,
  takeStdio,
  waitForPidFile,
} from './runtime-process.js';

/** How to reach one runtime binary, with state private to this daemon. */
export interface OciRuntimeCliOptions {
  /** The runtime binary: `runc`, `crun`, or a path. */
  binary: string;
  /** Name reported by `OciRuntime.name`; default the binary's basename. */
  name?: string;
  /**
   * The runtime's state directory (`--root`). Private to this daemon so that several daemons (and
   * Docker's own runc) never see each other's containers.
   */
  root: string;
  /** Directory for the runtime's JSON logs and the temp files of exec/update; default `<root>-wharf`. */
  scratchDir?: string;
}

const STATUSES: readonly RuntimeStatus[] = ['creating', 'created', 'running', 'paused', 'stopped'];

interface RawState {
  id: string;
  pid?: number;
  status: string;
  bundle: string;
  created?: string;
}

function toState(raw: RawState): RuntimeState {
  const status = STATUSES.includes(raw.status as RuntimeStatus) ? (raw.status as RuntimeStatus) : 'stopped';
  const st: RuntimeState = { id: raw.id, status, pid: raw.pid ?? 0, bundle: raw.bundle };
  if (raw.created) st.created = raw.created;
  return st;
}

/**
 * An {@link OciRuntime} that shells out to runc or crun (they share a CLI). Every invocation gets
 * `--root <private dir> --log <file> --log-format json`; on failure the last logged error becomes
 * the message of a WharfError (see runtime-errors.ts), so `exec: "x": executable file not found`
 * reaches the caller intact and maps to exit 127 like Docker.
 */
export function createOciRuntimeCli(opts: OciRuntimeCliOptions): OciRuntime {
  const name = opts.name ?? path.basename(opts.binary);
  const root = path.resolve(opts.root);
  const scratch = path.resolve(opts.scratchDir ?? `${root}-wharf`);
  let seq = 0;
  let ready: Promise<void> | undefined;
  const ensureDirs = () =>
    (ready ??= Promise.all([fs.mkdir(root, { recursive: true, mode: 0o700 }), fs.mkdir(scratch, { recursive: true, mode: 0o700 })]).then(
      () => undefined,
    ));
  const scratchFile = (id: string, what: string) => path.join(scratch, `${id}.${what}.${process.pid}.${++seq}`);
  const globalArgs = (log: string) => ['--root', root, '--log', log, '--log-format', 'json'];

  async function fail(op: RuntimeOp, id: string, log: string, fallback: string): Promise<never> {
    const logged = await lastLoggedError(log);
    await fs.rm(log, { force: true });
    throw runtimeFailure({ op, id, root }, logged ?? (fallback.trim() || `${name} ${op} exited with an error`));
  }

  /** Runs one runtime command to its end and returns its output; throws the mapped failure. */
  async function invoke(op: RuntimeOp, id: string, args: string[], input?: string): Promise<Finished> {
    await ensureDirs();
    const log = scratchFile(id || '_', `${op}.log`);
    const stdio: NodeStdio = [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
    const res = await finished(spawnRuntime(opts.binary, [...globalArgs(log), ...args], stdio), input);
    if (res.code !== 0) return fail(op, id, log, res.stderr || res.stdout);
    await fs.rm(log, { force: true });
    return res;
  }

  /**
   * Starts a runtime that stays in the foreground as the parent of `pid` (run, exec without
   * detach). The process handle resolves `wait` with the runtime's exit status, which runc and
   * crun set to the program's exit code (128+n for signal n).
   */
  async function foreground(op: RuntimeOp, id: string, args: string[], o: RunOptions, cleanup: string[]): Promise<ForegroundProcess> {
    await ensureDirs();
    const log = scratchFile(id, `${op}.log`);
    await fs.rm(o.pidFile, { force: true });
    const child = spawnRuntime(opts.binary, [...globalArgs(log), ...args], nodeStdio(o.stdio));
    const io = takeStdio(child);
    const exit = exitOf(child);
    exit.catch(() => undefined);
    const pid = await waitForPidFile(o.pidFile, child);
    const removeScratch = () => Promise.all(cleanup.map((f) => fs.rm(f, { force: true })));
    if (pid === undefined) {
      const { exitCode } = await exit;
      await removeScratch();
      return fail(op, id, log, `${name} ${op} exited with ${exitCode} before starting the process`);
    }
    await removeScratch();
    // A launch failure can still surface after the pid file was written (the runtime's init
    // exists, then fails to exec the program): the runtime then logs an error and exits non-zero.
    const wait = async () => {
      const res = await exit;
      if (res.exitCode !== 0 && (await lastLoggedError(log)) !== undefined) return fail(op, id, log, '');
      await fs.rm(log, { force: true });
      return res;
    };
    return { ...pipedIO(io, pid), wait };
  }

  async function create(id: string, bundleDir: string, o: CreateOptions) {
    await ensureDirs();
    const log = scratchFile(id, 'create.log');
    const args = ['create', '--bundle', path.resolve(bundleDir), '--pid-file', o.pidFile];
    if (o.consoleSocket) args.push('--console-socket', o.consoleSocket);
    // The container's init inherits these stdio fds from `runc create`; we only await the
    // runtime's exit, never its streams, which now belong to the container.
    const child = spawnRuntime(opts.binary, [...globalArgs(log), ...args, id], nodeStdio(o.stdio));
    const io = takeStdio(child);
    const { exitCode } = await exitOf(child);
    if (exitCode !== 0) {
      io.stdin?.destroy();
      return fail('create', id, log, `${name} create exited with ${exitCode}`);
    }
    await fs.rm(log, { force: true });
    const pid = await readPidFile(o.pidFile);
    if (pid === undefined) throw internal(`${name} create ${id}: no pid in ${o.pidFile}`);
    return pipedIO(io, pid);
  }

  async function exec(id: string, proc: OciProcess, o: ExecOptions): Promise<ExecProcess> {
    await ensureDirs();
    const processFile = scratchFile(id, 'process.json');
    await fs.writeFile(processFile, JSON.stringify(proc), { mode: 0o600 });
    const args = ['exec', '--process', processFile, '--pid-file', o.pidFile];
    if (o.consoleSocket) args.push('--console-socket', o.consoleSocket);
    if (!o.detach) return foreground('exec', id, [...args, id], o, [processFile]);
    const log = scratchFile(id, 'exec.log');
    const child = spawnRuntime(opts.binary, [...globalArgs(log), ...args, '--detach', id], nodeStdio(o.stdio));
    const io = takeStdio(child);
    const { exitCode } = await exitOf(child);
    await fs.rm(processFile, { force: true });
    if (exitCode !== 0) return fail('exec', id, log, `${name} exec exited with ${exitCode}`);
    await fs.rm(log, { force: true });
    const pid = await readPidFile(o.pidFile);
    if (pid === undefined) throw internal(`${name} exec ${id}: no pid in ${o.pidFile}`);
    return pipedIO(io, pid);
  }

  async function update(id: string, resources: OciLinuxResources): Promise<void> {
    await ensureDirs();
    const file = scratchFile(id, 'resources.json');
    await fs.writeFile(file, JSON.stringify(resources), { mode: 0o600 });
    try {
      await invoke('update', id, ['update', '--resources', file, id]);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  async function kill(id: string, signal: string | number, o: { all?: boolean } = {}): Promise<void> {
    const n = signalNumber(signal);
    if (!Number.isInteger(n) || n <= 0 || n > 64) throw invalidArgument(`Invalid signal: ${signal}`);
    await invoke('kill', id, ['kill', ...(o.all ? ['--all'] : []), id, String(n)]);
  }

  async function version(): Promise<RuntimeVersion> {
    const { stdout } = await invoke('version', '', ['--version']);
    const field = (re: RegExp) => re.exec(stdout)?.[1]?.trim();
    const v: RuntimeVersion = { name, version: field(/version\s+(\S+)/) ?? 'unknown', spec: field(/^spec:\s*(\S+)/m) ?? 'unknown' };
    const commit = field(/^commit:\s*(\S+)/m);
    if (commit) v.commit = commit;
    return v;
  }

  return {
    name,
    create,
    start: async (id) => void (await invoke('start', id, ['start', id])),
    run: (id, bundleDir, o) =>
      foreground('run', id, ['run', '--bundle', path.resolve(bundleDir), '--pid-file', o.pidFile, id], o, []),
    state: async (id) => toState(JSON.parse((await invoke('state', id, ['state', id])).stdout) as RawState),
    kill,
    delete: async (id, o = {}) => void (await invoke('delete', id, ['delete', ...(o.force ? ['--force'] : []), id])),
    pause: async (id) => void (await invoke('pause', id, ['pause', id])),
    resume: async (id) => void (await invoke('resume', id, ['resume', id])),
    list: async () => ((JSON.parse((await invoke('list', '', ['list', '--format', 'json'])).stdout) as RawState[] | null) ?? []).map(toState),
    ps: async (id) => (JSON.parse((await invoke('ps', id, ['ps', '--format', 'json', id])).stdout) as number[] | null) ?? [],
    exec,
    update,
    version,
  };
}
