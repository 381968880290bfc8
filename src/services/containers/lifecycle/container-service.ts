/**
 * The narrow view of the container lifecycle that other container services (attach, logs, exec,
 * resize, top, stats, cp…) depend on. The lifecycle service (lifecycle-service.ts) implements it;
 * the composition root hands the same instance to every consumer.
 *
 * Runtime layout (sockets must stay under 108 bytes, hence the short ids):
 * - shim state dir of a container's init: `<exec-root>/s/<first 12 hex of id>/` (attach.sock,
 *   exit.json, shim.pid, init.pid — see docs/shim-protocol.md);
 * - an exec's shim state dir: `<exec-root>/s/<12 of id>/e-<12 of exec id>/` ({@link execStateDir});
 * - the OCI bundle: `<exec-root>/b/<12 of id>/` (config.json + the `rootfs` mount point).
 * The container's log is `record.logPath` (`<data-root>/containers/<id>/<id>-json.log`).
 */
import type { ContainerRecord } from '../../../core/containers/container.js';

/** How one run of a container ended. */
export interface ContainerExit {
  exitCode: number;
  /** Killed by the kernel's OOM killer (its memory cgroup counted an oom_kill). */
  oomKilled: boolean;
  /** RFC 3339 with nanoseconds. */
  finishedAt: string;
}

/** Docker's wait conditions (`POST /containers/{id}/wait?condition=`). */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** The body of a wait response: `{"Error":null,"StatusCode":N}` or with `{"Message":…}`. */
export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

/** The OCI runtime a container runs under: what `runtime exec` and a shim need. */
export interface RuntimeHandle {
  /** `runc` or `crun` (HostConfig.Runtime). */
  name: string;
  /** The binary to run (a name on PATH or a path). */
  binary: string;
  /** The runtime's private state dir (`--root`). */
  root: string;
}

/**
 * Called when a container's shim is up and its process *created but not yet started*: attach
 * clients connect to `<stateDir>/attach.sock` now so they miss no output. `start` awaits every
 * listener (bounded by a timeout) before `runtime start`.
 */
export type ShimReadyListener = (stateDir: string) => Promise<void> | void;

/** What the lifecycle offers to the other container services. */
export interface ContainerService {
  /** A container by full id, name (with or without `/`) or unique id prefix. NotFound: `No such container: X`. */
  get(idOrName: string): ContainerRecord;
  /** Like get, undefined instead of NotFound. */
  find(idOrName: string): ContainerRecord | undefined;
  /** Every container (in memory; cheap). */
  list(): ContainerRecord[];
  /** The shim state dir of the container's init (see the module comment). */
  shimStateDir(id: string): string;
  /** The shim state dir for an exec in this container. */
  execStateDir(id: string, execId: string): string;
  /** The OCI bundle dir (config.json holds the init's process: env, user, cwd for execs). */
  bundleDir(id: string): string;
  /** The shim binary. */
  readonly shimPath: string;
  /** The runtime this container was created with. */
  runtimeOf(id: string): RuntimeHandle;
  /** Starts a created or exited container (Docker's start semantics; NotModified when running). */
  start(idOrName: string): Promise<void>;
  /**
   * Waits like `POST /containers/{id}/wait`. Resolves at once for `not-running` when the container
   * is not running; `next-exit` resolves at the next exit; `removed` when it is removed.
   * `signal` aborts the wait (client gone).
   */
  wait(idOrName: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult>;
  /**
   * Calls `listener` at every exit of the container (each run, including those a restart policy
   * follows with a new start), after the exit is recorded. Returns the unsubscribe function.
   */
  onExit(id: string, listener: (exit: ContainerExit) => void): () => void;
  /** One-shot: called at the next start of `id` once its shim is up (see {@link ShimReadyListener}). */
  onShimReady(id: string, listener: ShimReadyListener): () => void;
  /** Called after a container was removed (e.g. to drop its exec records). */
  onRemove(listener: (id: string) => void): () => void;
  /** Supplies `ExecIDs` for inspect (the exec service registers it). */
  setExecIdsProvider(provider: (containerId: string) => string[]): void;
}
