/**
 * Exec instances, in memory only (as dockerd: they do not survive a daemon restart). A record is
 * made by `POST /containers/{id}/exec`, started once, and kept after its exit so that
 * `GET /exec/{id}/json` can report the exit code; records go with their container.
 */
import { notFound } from '../../../errdefs/index.js';

/** One exec instance. The immutable part is fixed at create; the rest changes as it runs. */
export interface ExecRecord {
  readonly id: string;
  readonly containerId: string;
  /** Cmd[0] and the rest (Docker's ProcessConfig entrypoint/arguments). */
  readonly entrypoint: string;
  readonly args: readonly string[];
  /** The full environment, merged at create as dockerd does (daemon env, container env, exec env). */
  readonly env: readonly string[];
  /** The exec's user, or the container's when the exec gave none; '' keeps the container's. */
  readonly user: string;
  readonly workingDir: string;
  readonly tty: boolean;
  readonly privileged: boolean;
  readonly openStdin: boolean;
  readonly openStdout: boolean;
  readonly openStderr: boolean;
  /** The parsed detach keys as given (empty: the default applies). */
  readonly detachKeys: Buffer;
  /** A start was requested: a second one is refused. */
  startRequested: boolean;
  running: boolean;
  /** null until it has run (Docker reports `"ExitCode":null` before). */
  exitCode: number | null;
  /** Host pid of the process, 0 before it started. */
  pid: number;
  /** The exec's shim state dir once started. */
  stateDir?: string;
  /** Settles when the start attempt is over (running, or failed): resize waits for it. */
  readonly started: Promise<void>;
  readonly markStarted: () => void;
}

/** Finished records kept per container; older ones are dropped (healthchecks exec forever). */
const MAX_FINISHED_PER_CONTAINER = 256;

export type NewExecRecord = Omit<ExecRecord, 'startRequested' | 'running' | 'exitCode' | 'pid' | 'stateDir' | 'started' | 'markStarted'>;

export class ExecStore {
  private readonly byId = new Map<string, ExecRecord>();
  /** Insertion-ordered ids per container. */
  private readonly byContainer = new Map<string, Set<string>>();

  add(init: NewExecRecord): ExecRecord {
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const rec: ExecRecord = { ...init, startRequested: false, running: false, exitCode: null, pid: 0, started, markStarted };
    this.byId.set(rec.id, rec);
    let ids = this.byContainer.get(rec.containerId);
    if (!ids) {
      ids = new Set();
      this.byContainer.set(rec.containerId, ids);
    }
    ids.add(rec.id);
    return rec;
  }

  /** NotFound with Docker's message for an unknown id (exec ids are matched in full). */
  get(id: string): ExecRecord {
    const rec = this.byId.get(id);
    if (!rec) throw notFound(`No such exec instance: ${id}`);
    return rec;
  }

  /** Execs of a container that have not finished: what inspect shows as `ExecIDs`. */
  activeIds(containerId: string): string[] {
    return [...(this.byContainer.get(containerId) ?? [])].filter((id) => this.byId.get(id)?.exitCode === null);
  }

  /** Records one exec's end and drops the oldest finished records past the bound. */
  finished(rec: ExecRecord, exitCode: number): void {
    rec.running = false;
    rec.exitCode = exitCode;
    const ids = this.byContainer.get(rec.containerId);
    if (!ids) return;
    const done = [...ids].filter((id) => this.byId.get(id)?.exitCode !== null);
    for (const id of done.slice(0, Math.max(0, done.length - MAX_FINISHED_PER_CONTAINER))) {
      ids.delete(id);
      this.byId.delete(id);
    }
  }

  /** Forgets every exec of a removed container. */
  removeContainer(containerId: string): void {
    for (const id of this.byContainer.get(containerId) ?? []) this.byId.delete(id);
    this.byContainer.delete(containerId);
  }
}
