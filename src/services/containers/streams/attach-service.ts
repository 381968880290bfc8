/**
 * `POST /containers/{id}/attach` and `POST /containers/{id}/resize`: connects a hijacked client to
 * the container's shim, with dockerd's semantics (daemon/attach.go, container/stream/attach.go).
 *
 * A container that is not running (created, or exited) is attached at its next start: the
 * session subscribes to the lifecycle's shim-ready notification, which fires after the shim has
 * created the process and before `runtime start`, so no output is missed (`docker run` attaches
 * before it starts; `docker start -a` too). Stdin typed meanwhile is queued by the session.
 */
import type { Duplex } from 'node:stream';
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { EventBus } from '../../../core/events/events.js';
import { conflict, invalidArgument } from '../../../errdefs/index.js';
import { attachShim } from '../../../plugins/shim/attach-shim.js';
import { readJsonLog } from '../../../plugins/shim/json-log-reader.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../../lib/detach-keys.js';
import { publishContainerEvent, type StreamContainers } from './stream-deps.js';
import { StreamSession } from './stream-session.js';
import type { TerminalResizer } from './terminal-resizer.js';

/** The attach query (`stream`, `stdin`, `stdout`, `stderr`, `logs`, `detachKeys`). */
export interface AttachOptions {
  stream: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  logs: boolean;
  /** Docker's key syntax (`ctrl-p,ctrl-q`); default ctrl-p ctrl-q. */
  detachKeys?: string;
}

/** A validated hijack: the route sends the 101 with the content type for `tty`, then runs it. */
export interface PreparedStream {
  tty: boolean;
  /**
   * Streams over the hijacked socket; resolves when the session is over. `stdin: false` when
   * the client cannot send (it did not upgrade the connection).
   */
  run(client: Duplex, opts?: { stdin?: boolean }): Promise<void>;
}

export interface AttachServiceDeps {
  containers: StreamContainers;
  resizer: TerminalResizer;
  events?: Pick<EventBus, 'publish'>;
}

/** How long a removed container's attach session may wait for its shim's last output. */
const REMOVED_DRAIN_MS = 2000;

export class AttachService {
  /** Every open session per container id, to end them when the container is removed. */
  private readonly sessions = new Map<string, Set<StreamSession>>();

  constructor(private readonly d: AttachServiceDeps) {
    d.containers.onRemove((id) => {
      for (const s of this.sessions.get(id) ?? []) s.finishAfterShim('done', REMOVED_DRAIN_MS);
    });
  }

  /**
   * Checks what dockerd checks before hijacking: the container exists, is not paused or
   * restarting, and the detach keys parse. Throws NotFound / Conflict / InvalidArgument.
   */
  prepare(idOrName: string, o: AttachOptions): PreparedStream {
    const record = this.d.containers.get(idOrName);
    let keys = DEFAULT_DETACH_KEYS;
    if (o.detachKeys) {
      try {
        keys = parseDetachKeys(o.detachKeys);
      } catch {
        throw invalidArgument(`Invalid detach keys (${o.detachKeys}) provided`);
      }
    }
    if (record.state.status === 'paused') throw conflict(`container ${idOrName} is paused, unpause the container before attach`);
    if (record.state.status === 'restarting') throw conflict(`container ${idOrName} is restarting, wait until the container is running`);
    const tty = record.config.Tty === true;
    return { tty, run: (client, r) => this.run(record, { ...o, stdin: o.stdin && r?.stdin !== false }, keys, client) };
  }

  /** Sets the container's terminal size (200 without a tty, as Docker). Conflict when not running. */
  async resize(idOrName: string, rows: number, cols: number): Promise<void> {
    const record = this.d.containers.get(idOrName);
    if (record.state.status !== 'running' && record.state.status !== 'paused') throw conflict(`Container ${record.id} is not running`);
    await this.d.resizer.resize(this.d.containers.shimStateDir(record.id), rows, cols);
    publishContainerEvent(this.d.events, record, 'resize', { height: String(rows), width: String(cols) });
  }

  private async run(record: ContainerRecord, o: AttachOptions, keys: Buffer, client: Duplex): Promise<void> {
    const c = record.config;
    const tty = c.Tty === true;
    const stdin = o.stdin && c.OpenStdin === true;
    const session = new StreamSession(client, {
      tty,
      stdout: o.stdout,
      stderr: o.stderr,
      stdin,
      closeStdinOnEof: c.StdinOnce === true && !tty,
      detachKeys: keys,
    });
    this.track(record.id, session);
    publishContainerEvent(this.d.events, record, 'attach');
    if (o.logs) await this.replayLog(record, session);
    if (!o.stream) {
      session.finish('done');
      await session.ended;
      return;
    }
    await this.connectWhenRunning(record.id, session);
    if ((await session.ended) === 'detached') publishContainerEvent(this.d.events, record, 'detach');
  }

  private track(id: string, session: StreamSession): void {
    let set = this.sessions.get(id);
    if (!set) {
      set = new Set();
      this.sessions.set(id, set);
    }
    set.add(session);
    void session.ended.then(() => {
      set.delete(session);
      if (set.size === 0 && this.sessions.get(id) === set) this.sessions.delete(id);
    });
  }

  /** `logs=1`: the whole log first, as dockerd does before streaming (no log without a driver). */
  private async replayLog(record: ContainerRecord, session: StreamSession): Promise<void> {
    if (record.hostConfig.LogConfig?.Type === 'none') return;
    for await (const entry of readJsonLog(record.logPath)) {
      if (session.isEnded) break;
      if (!session.writeOutput(entry.stream, entry.line)) await session.drained();
    }
  }

  /** Connects now when running, else at the next start (see the module comment). */
  private async connectWhenRunning(id: string, session: StreamSession): Promise<void> {
    const connect = async (stateDir: string) => {
      if (session.isEnded) return;
      try {
        const conn = await attachShim(stateDir);
        const untrack = this.d.resizer.track(stateDir, conn);
        void session.ended.then(untrack);
        session.connect(conn);
      } catch {
        session.finish('shim-gone'); // no shim and no exit record: nothing to attach to
      }
    };
    const before = this.status(id);
    if (before === undefined) return session.finish('done'); // removed meanwhile
    if (before === 'running' || before === 'paused') return connect(this.d.containers.shimStateDir(id));
    const off = this.d.containers.onShimReady(id, connect);
    void session.ended.then(off);
    // A start that completed between the status check and the subscription is not announced
    // again: look once more now that the subscription is armed.
    const after = this.status(id);
    if (after === undefined) session.finish('done');
    else if (after === 'running' || after === 'paused') {
      off();
      await connect(this.d.containers.shimStateDir(id));
    }
  }

  /** The container's status, or undefined once it is gone. */
  private status(id: string): string | undefined {
    return this.d.containers.find(id)?.state.status;
  }
}
