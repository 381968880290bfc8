import type { Readable, Writable } from 'node:stream';
import type { EngineClient } from '../client/engine-client.js';

/** The process's streams and environment, injectable for tests. */
export interface CliIO {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Global options (before the command name). */
export interface GlobalOptions {
  host?: string;
  debug?: boolean;
}

/**
 * What a command action gets: output streams, and the Engine API client, created on first use
 * from the global options (so commands that never reach the daemon never connect).
 */
export class CliContext {
  private engine?: EngineClient;
  private clientModules?: {
    EngineClient: typeof import('../client/engine-client.js').EngineClient;
    resolveDaemonHost: typeof import('../client/daemon-host.js').resolveDaemonHost;
  };

  constructor(
    readonly io: CliIO,
    private readonly globals: () => GlobalOptions,
  ) {}

  /**
   * Loads the client modules. Called before any action runs (a commander preAction hook), so
   * that start-up does not pay for node:http and the client unless a command runs.
   */
  async prepare(): Promise<void> {
    if (this.clientModules) return;
    const [{ EngineClient }, { resolveDaemonHost }] = await Promise.all([import('../client/engine-client.js'), import('../client/daemon-host.js')]);
    this.clientModules = { EngineClient, resolveDaemonHost };
  }

  /** The client for the daemon chosen by -H / WHARF_HOST / DOCKER_HOST. */
  client(): EngineClient {
    if (!this.engine) {
      if (!this.clientModules) throw new Error('CliContext.prepare() must run before client()');
      const { EngineClient, resolveDaemonHost } = this.clientModules;
      const apiVersion = this.io.env.WHARF_API_VERSION || this.io.env.DOCKER_API_VERSION || undefined;
      this.engine = new EngineClient({ host: resolveDaemonHost(this.globals().host, this.io.env), apiVersion });
    }
    return this.engine;
  }

  out(s: string): void {
    this.io.stdout.write(s);
  }

  err(s: string): void {
    this.io.stderr.write(s);
  }

  get stdoutIsTTY(): boolean {
    return Boolean(this.io.stdout.isTTY);
  }

  get stdinIsTTY(): boolean {
    return Boolean(this.io.stdin.isTTY);
  }

  /** Terminal width for progress bars (docker assumes 200 off a terminal). */
  columns(): number {
    return this.io.stdout.columns ?? 200;
  }

  close(): void {
    this.engine?.close();
  }
}
