/**
 * Exec: `POST /containers/{id}/exec`, `POST /exec/{id}/start`, `GET /exec/{id}/json`,
 * `POST /exec/{id}/resize`, with dockerd 20.10's semantics (daemon/exec.go).
 *
 * Each started exec gets its own wharf-shim in exec mode (`runtime exec --detach`) with its state
 * dir under the container's; the daemon always attaches to it (also for `Detach`, then dropping
 * the output) so that it learns the exit code from the shim's exit record and the shim can
 * leave at once. The process lives in the container's pid namespace, so it dies with the
 * container: an exec never keeps a container from stopping, and its stream then ends.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { EventBus } from '../../../core/events/events.js';
import type { Logger } from '../../../lib/logger.js';
import { conflict, internal, invalidArgument, notFound, toWharfError } from '../../../errdefs/index.js';
import { runtimeErrorDetail } from '../../../plugins/runtime/runtime-errors.js';
import { attachShim, type ShimConnection } from '../../../plugins/shim/attach-shim.js';
import { readExit } from '../../../plugins/shim/read-exit.js';
import { spawnShim } from '../../../plugins/shim/spawn-shim.js';
import type { ExecConfig, ExecInspectResponse } from '../../../spec/engine/types.js';
import type { PreparedStream } from './attach-service.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../../lib/detach-keys.js';
import { writeExecLaunch } from './exec-launch.js';
import { buildExecProcess, execEnv, readBundleSpec } from './exec-process.js';
import { type CapturedRun, captureRun } from './captured-run.js';
import { type ExecRecord, ExecStore } from './exec-store.js';
import { muxFrame, StdStream } from './stdcopy.js';
import { type ExecContainers, publishContainerEvent } from './stream-deps.js';
import { StreamSession } from './stream-session.js';
import type { TerminalResizer } from './terminal-resizer.js';

/** How long a resize waits for the exec to have started (dockerd's hard-coded 10 s). */
const RESIZE_WAIT_MS = 10_000;
/** Exit code of an exec that could not be started, whatever the reason (dockerd sets 126). */
const START_FAILED = 126;
/** Reported when the shim vanished without an exit record (killed): the status is unknown. */
const UNKNOWN_EXIT = 255;
export interface ExecServiceDeps {
  containers: ExecContainers;
  resizer: TerminalResizer;
  events?: Pick<EventBus, 'publish'>;
  log?: Logger;
  /** Execs in runc containers started by the shim itself (default true; see exec-launch.ts). */
  nativeExec?: boolean;
}

/**
 * Docker's `Container … is not running` family, for exec create and start. A paused container
 * is named as the client named it at create (moby errExecPaused(name)), by id at start.
 */
function requireRunning(c: ContainerRecord, ref: string = c.id): void {
  const s = c.state.status;
  if (s === 'paused') throw conflict(`Container ${ref} is paused, unpause the container before exec`);
  if (s === 'restarting') throw conflict(`Container ${c.id} is restarting, wait until the container is running`);
  if (s !== 'running') throw conflict(`Container ${c.id} is not running`);
}

/** How dockerd words a failed start: the runtime's message inside containerd's wrapping. */
function startFailureMessage(err: unknown): string {
  const detail = runtimeErrorDetail(err);
  if (detail) return `OCI runtime exec failed: ${detail.runtimeMessage}: unknown`;
  return toWharfError(err).message;
}

export class ExecService {
  readonly store = new ExecStore();

  constructor(private readonly d: ExecServiceDeps) {
    d.containers.onRemove((id) => this.store.removeContainer(id));
    d.containers.setExecIdsProvider((id) => this.store.activeIds(id));
  }

  /** Creates an exec instance; returns its id. */
  create(idOrName: string, cfg: ExecConfig): string {
    const cmd = typeof cfg.Cmd === 'string' ? [cfg.Cmd] : (cfg.Cmd ?? []);
    if (cmd.length === 0) throw invalidArgument('No exec command specified');
    const container = this.d.containers.get(idOrName);
    requireRunning(container, idOrName);
    let detachKeys: Buffer = Buffer.alloc(0);
    if (cfg.DetachKeys) {
      try {
        detachKeys = parseDetachKeys(cfg.DetachKeys);
      } catch {
        throw invalidArgument(`Invalid escape keys (${cfg.DetachKeys}) provided`);
      }
    }
    const c = container.config;
    const tty = cfg.Tty === true;
    const rec = this.store.add({
      id: randomBytes(32).toString('hex'),
      containerId: container.id,
      entrypoint: cmd[0]!,
      args: cmd.slice(1),
      env: execEnv(c, c.Hostname || container.id.slice(0, 12), tty, cfg.Env ?? []),
      user: cfg.User || c.User || '',
      workingDir: cfg.WorkingDir || c.WorkingDir || '',
      tty,
      privileged: cfg.Privileged === true,
      openStdin: cfg.AttachStdin === true,
      openStdout: cfg.AttachStdout === true,
      openStderr: cfg.AttachStderr === true,
      detachKeys,
    });
    // dockerd's action text: entrypoint, a space, the arguments (a trailing space without any).
    publishContainerEvent(this.d.events, container, `exec_create: ${rec.entrypoint} ${rec.args.join(' ')}`, { execID: rec.id });
    return rec.id;
  }

  /** `GET /exec/{id}/json`, fields in dockerd's order. */
  inspect(id: string): ExecInspectResponse {
    const e = this.store.get(id);
    const processConfig: NonNullable<ExecInspectResponse['ProcessConfig']> = {
      tty: e.tty,
      entrypoint: e.entrypoint,
      arguments: [...e.args],
      privileged: e.privileged,
    };
    if (e.user) processConfig.user = e.user;
    return {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode as number, // null before it ran, as dockerd's *int
      ProcessConfig: processConfig,
      OpenStdin: e.openStdin,
      OpenStderr: e.openStderr,
      OpenStdout: e.openStdout,
      CanRemove: false,
      ContainerID: e.containerId,
      // dockerd keeps the parsed keys as []byte, which encoding/json writes as base64.
      DetachKeys: e.detachKeys.toString('base64'),
      Pid: e.pid,
    };
  }

  /**
   * The attached start: NotFound before the hijack (as dockerd); every other failure is written
   * into the stream after the 101, as dockerd does, with exit code 126.
   */
  prepareStart(id: string): PreparedStream {
    const rec = this.store.get(id);
    return { tty: rec.tty, run: (client, o) => this.runAttached(rec, client, o?.stdin !== false) };
  }

  /** `Detach: true`: starts and returns; output is dropped. Errors are thrown (HTTP errors). */
  async startDetached(id: string): Promise<void> {
    const rec = this.store.get(id);
    // The connection reads on (output dropped) until the exit record arrives: see watch().
    await this.launch(rec);
  }

  /**
   * Runs `cmd` in the container as dockerd runs a health probe: an exec with the container's
   * user, working dir and environment, no tty or stdin, its events published as any exec's, read
   * by captureRun (output, timeout). A process that cannot start throws dockerd's exec-start message.
   */
  async runCaptured(containerId: string, cmd: string[], o: { timeoutMs: number; maxOutput: number }): Promise<CapturedRun> {
    const rec = this.store.get(this.create(containerId, { Cmd: cmd, AttachStdout: true, AttachStderr: true }));
    let conn: ShimConnection;
    try {
      conn = await this.launch(rec);
    } catch (err) {
      throw new Error(startFailureMessage(err));
    }
    return captureRun(conn, rec, o);
  }

  /** `POST /exec/{id}/resize`: waits (10 s at most) for the exec to have started. */
  async resize(id: string, rows: number, cols: number): Promise<void> {
    const rec = this.store.get(id);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      rec.started.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), RESIZE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) throw internal('timeout waiting for exec session ready');
    if (!rec.running || !rec.stateDir) throw notFound('no such exec');
    await this.d.resizer.resize(rec.stateDir, rows, cols);
  }

  private async runAttached(rec: ExecRecord, client: Duplex, canRead: boolean): Promise<void> {
    // The session reads the client from now on: stdin typed while the shim starts is queued.
    const session = new StreamSession(client, {
      tty: rec.tty,
      stdout: rec.openStdout,
      stderr: rec.openStderr,
      stdin: rec.openStdin && canRead,
      closeStdinOnEof: !rec.tty,
      detachKeys: rec.detachKeys.length ? rec.detachKeys : DEFAULT_DETACH_KEYS,
      keepConnection: true,
    });
    let conn: ShimConnection;
    try {
      conn = await this.launch(rec);
    } catch (err) {
      // dockerd writes the error on stdout (framed without a tty) followed by CRLF.
      const text = Buffer.from(`${startFailureMessage(err)}\r\n`);
      if (!session.isEnded) client.write(rec.tty ? text : muxFrame(StdStream.Stdout, text));
      session.finish('done');
      return;
    }
    session.connect(conn);
    // A client that cannot send (no upgrade) gives the process an empty stdin, not an open one.
    if (rec.openStdin && !canRead) conn.closeStdin().catch(() => {});
    const reason = await session.ended;
    if (reason === 'detached') {
      const container = this.d.containers.find(rec.containerId);
      if (container) publishContainerEvent(this.d.events, container, 'exec_detach', { execID: rec.id });
    }
    // After a detach or a vanished client the process runs on; the connection stays open (the
    // session keeps it) and drains its output until watch() sees the exit.
  }

  /**
   * Starts the exec's shim and attaches to it. The exec's exit is recorded from the connection
   * (the listeners registered here run before any session's, so the exit code is set before a
   * client sees its stream end). Any failure marks the exec finished with 126 and is rethrown.
   */
  private async launch(rec: ExecRecord): Promise<ShimConnection> {
    if (rec.startRequested) {
      throw conflict(rec.exitCode !== null ? `Error: Exec command ${rec.id} has already run` : `Error: Exec command ${rec.id} is already running`);
    }
    rec.startRequested = true;
    const cid = rec.containerId;
    try {
      const container = this.d.containers.get(cid);
      requireRunning(container);
      const bundleDir = this.d.containers.bundleDir(cid);
      const spec = await readBundleSpec(bundleDir);
      const proc = await buildExecProcess({ exec: rec, spec, bundleDir, groupAdd: container.hostConfig.GroupAdd ?? [] });
      const stateDir = this.d.containers.execStateDir(cid, rec.id);
      await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
      const rt = this.d.containers.runtimeOf(cid);
      rec.stateDir = stateDir;
      const launch = await writeExecLaunch({
        containerId: cid,
        runtime: rt,
        process: proc,
        spec,
        bundleDir,
        stateDir,
        native: this.d.nativeExec ?? true,
        log: this.d.log,
      });
      const shim = await spawnShim({
        shimPath: this.d.containers.shimPath,
        id: cid,
        runtime: rt.binary,
        runtimeRoot: rt.root,
        stateDir,
        tty: rec.tty,
        stdin: rec.openStdin,
        ...launch,
      });
      // The first client gets the output the shim kept since the process started.
      const conn = await attachShim(stateDir);
      rec.pid = shim.pid;
      rec.running = true;
      this.watch(rec, conn, container);
      publishContainerEvent(this.d.events, container, `exec_start: ${rec.entrypoint} ${rec.args.join(' ')}`, { execID: rec.id });
      return conn;
    } catch (err) {
      this.store.finished(rec, START_FAILED);
      if (rec.stateDir) await fs.rm(rec.stateDir, { recursive: true, force: true });
      throw err;
    } finally {
      rec.markStarted();
    }
  }

  /** Records the exit and removes the exec's state dir once its shim is done. */
  private watch(rec: ExecRecord, conn: ShimConnection, container: ContainerRecord): void {
    const untrack = this.d.resizer.track(rec.stateDir!, conn);
    let exitCode: number | undefined;
    conn.onExit((exit) => {
      exitCode = exit.exitCode;
      this.store.finished(rec, exit.exitCode);
    });
    conn.onClose(() => {
      untrack();
      void (async () => {
        const dir = rec.stateDir!;
        if (exitCode === undefined) {
          exitCode = (await readExit(dir).catch(() => undefined))?.exitCode ?? UNKNOWN_EXIT;
          this.store.finished(rec, exitCode);
        }
        publishContainerEvent(this.d.events, container, 'exec_die', { execID: rec.id, exitCode: String(exitCode) });
        await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
      })();
    });
  }
}
