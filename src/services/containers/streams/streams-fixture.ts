/**
 * Test support for the stream services: real containers (busybox bundles, the real runtime, the
 * real wharf-shim) driven by a small stand-in for the lifecycle service that keeps its contract
 * (shim-ready before `runtime start`, exits learned from exit.json), the stream routes served
 * over real HTTP on a unix socket, and a raw client that speaks the hijack protocol.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import { ZERO_TIME } from '../../../core/containers/container.js';
import type { EventBus } from '../../../core/events/events.js';
import { notFound } from '../../../errdefs/index.js';
import { createLogger } from '../../../lib/logger.js';
import { spawnShim } from '../../../plugins/shim/spawn-shim.js';
import type { ShimFixture } from '../../../plugins/shim/shim-fixture.js';
import { createEngineServer } from '../../../server/http-server.js';
import { Router } from '../../../server/router.js';
import { containerStreamRoutes } from '../../../server/routes/container-streams.js';
import type { ContainerConfig, HostConfig } from '../../../spec/engine/types.js';
import type { ContainerExit, RuntimeHandle, ShimReadyListener } from '../lifecycle/container-service.js';
import { watchExit } from '../lifecycle/exit-watcher.js';
import { ContainerStreams } from './container-streams.js';
import type { ExecContainers } from './stream-deps.js';

export interface TestContainerOptions {
  config?: Partial<ContainerConfig>;
  hostConfig?: Partial<HostConfig>;
}

/** The lifecycle stand-in: create, start, kill and remove over the shim fixture. */
export class TestContainers implements ExecContainers {
  private readonly records = new Map<string, ContainerRecord & { bundle: string; stateDir: string }>();
  private readonly exitListeners = new Map<string, Set<(e: ContainerExit) => void>>();
  private readonly readyListeners = new Map<string, Set<ShimReadyListener>>();
  private readonly removeListeners = new Set<(id: string) => void>();
  execIds: (id: string) => string[] = () => [];

  constructor(private readonly fx: ShimFixture) {}

  get shimPath(): string {
    return this.fx.shimPath;
  }

  async create(args: string[], o: TestContainerOptions = {}): Promise<ContainerRecord> {
    const config: ContainerConfig = { Tty: false, OpenStdin: false, StdinOnce: false, ...o.config, Cmd: args };
    const c = await this.fx.container(args, { tty: config.Tty === true });
    const state = { status: 'created' as const, pid: 0, exitCode: 0, error: '', oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, shimPid: 0 };
    const hostConfig: HostConfig = { LogConfig: { Type: 'json-file', Config: {} }, ...o.hostConfig };
    const rec = {
      id: c.id,
      name: `test-${randomBytes(3).toString('hex')}`,
      created: new Date().toISOString(),
      image: 'busybox',
      imageId: `sha256:${'0'.repeat(64)}` as ContainerRecord['imageId'],
      config,
      hostConfig,
      path: args[0]!,
      args: args.slice(1),
      state,
      restartCount: 0,
      hasBeenManuallyStopped: false,
      snapshotKey: '',
      logPath: c.logPath,
      hostnamePath: '',
      hostsPath: '',
      resolvConfPath: '',
      runtime: this.fx.runtime,
      bundle: c.bundle,
      stateDir: c.stateDir,
    };
    this.records.set(rec.id, rec);
    return rec;
  }

  /** Like the lifecycle's start: shim (created) → shim-ready listeners → runtime start. */
  async start(id: string): Promise<void> {
    const rec = this.records.get(id)!;
    await fs.rm(path.join(rec.stateDir, 'exit.json'), { force: true });
    const logged = rec.hostConfig.LogConfig?.Type !== 'none';
    const shim = await spawnShim({
      shimPath: this.fx.shimPath,
      id,
      bundle: rec.bundle,
      runtime: this.fx.runtime,
      runtimeRoot: this.fx.runtimeRoot,
      stateDir: rec.stateDir,
      tty: rec.config.Tty === true,
      stdin: rec.config.OpenStdin === true,
      log: logged ? { path: rec.logPath } : undefined,
    });
    const ready = [...(this.readyListeners.get(id) ?? [])];
    this.readyListeners.delete(id);
    await Promise.all(ready.map((l) => l(rec.stateDir)));
    const r = await this.fx.runtimeCmd('start', id);
    if (r.code !== 0) throw new Error(`runtime start: ${r.stderr}`);
    rec.state = { ...rec.state, status: 'running', pid: shim.pid, shimPid: shim.shimPid };
    watchExit(rec.stateDir, (w) => {
      const exitCode = w.kind === 'exit' ? w.exit.exitCode : 255;
      rec.state = { ...rec.state, status: 'exited', pid: 0, exitCode };
      void this.fx.runtimeCmd('delete', '-f', id).then(() => {
        for (const l of [...(this.exitListeners.get(id) ?? [])]) l({ exitCode, oomKilled: false, finishedAt: new Date().toISOString() });
      });
    });
  }

  /** Resolves once the container has exited (its exit recorded and announced). */
  waitExit(id: string): Promise<void> {
    if (this.records.get(id)?.state.status === 'exited') return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onExit(id, () => {
        off();
        resolve();
      });
    });
  }

  async remove(id: string): Promise<void> {
    this.records.delete(id);
    for (const l of this.removeListeners) l(id);
  }

  get(idOrName: string): ContainerRecord {
    const rec = this.find(idOrName);
    if (!rec) throw notFound(`No such container: ${idOrName}`);
    return rec;
  }

  find(idOrName: string): ContainerRecord | undefined {
    return this.records.get(idOrName) ?? [...this.records.values()].find((r) => r.name === idOrName);
  }

  shimStateDir(id: string): string {
    return this.records.get(id)!.stateDir;
  }

  execStateDir(id: string, execId: string): string {
    return path.join(this.shimStateDir(id), `e-${execId.slice(0, 12)}`);
  }

  bundleDir(id: string): string {
    return this.records.get(id)!.bundle;
  }

  runtimeOf(): RuntimeHandle {
    return { name: this.fx.runtime, binary: this.fx.runtime, root: this.fx.runtimeRoot };
  }

  onExit(id: string, listener: (exit: ContainerExit) => void): () => void {
    return addTo(this.exitListeners, id, listener);
  }

  onShimReady(id: string, listener: ShimReadyListener): () => void {
    return addTo(this.readyListeners, id, listener);
  }

  onRemove(listener: (id: string) => void): () => void {
    this.removeListeners.add(listener);
    return () => this.removeListeners.delete(listener);
  }

  setExecIdsProvider(provider: (containerId: string) => string[]): void {
    this.execIds = provider;
  }
}

function addTo<T>(map: Map<string, Set<T>>, key: string, value: T): () => void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
  return () => set.delete(value);
}

/** The stream routes over HTTP on a unix socket in `dir`. */
export async function serveStreams(
  containers: TestContainers,
  dir: string,
  events?: Pick<EventBus, 'publish'>,
): Promise<{ socket: string; close(): Promise<void> }> {
  const router = new Router().add(containerStreamRoutes(new ContainerStreams({ containers, events })));
  const server = createEngineServer(router, createLogger('fatal'));
  const socket = path.join(dir, 'api.sock');
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain (non-hijacked) request. */
export function request(socket: string, method: string, p: string, body?: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const req = http.request({ socketPath: socket, method, path: p, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** A hijacked connection as the docker CLI opens it. */
export interface Hijacked {
  /** The response head (status line and headers). */
  head: string;
  socket: net.Socket;
  /** Everything received after the head so far. */
  received(): Buffer;
  /** Resolves when the daemon closed its side. */
  ended: Promise<void>;
  /** Resolves once `received()` contains `needle`. */
  waitFor(needle: string | Buffer, ms?: number): Promise<void>;
}

export function hijack(socket: string, method: string, p: string, body?: unknown): Promise<Hijacked> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    const data = body === undefined ? '' : JSON.stringify(body);
    const chunks: Buffer[] = [];
    let head: string | undefined;
    let pending = Buffer.alloc(0);
    const waiters: (() => void)[] = [];
    let endedResolve!: () => void;
    const ended = new Promise<void>((r) => {
      endedResolve = r;
    });
    const received = () => Buffer.concat(chunks);
    s.on('error', reject);
    s.on('end', () => {
      endedResolve();
      for (const w of waiters.splice(0)) w();
    });
    s.on('data', (b: Buffer) => {
      if (head === undefined) {
        pending = Buffer.concat([pending, b]);
        const i = pending.indexOf('\r\n\r\n');
        if (i < 0) return;
        head = pending.subarray(0, i).toString('latin1');
        if (pending.length > i + 4) chunks.push(pending.subarray(i + 4));
        resolve({
          head,
          socket: s,
          received,
          ended,
          async waitFor(needle, ms = 10_000) {
            const deadline = Date.now() + ms;
            while (!received().includes(needle)) {
              if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(String(needle))}; got ${JSON.stringify(received().toString('latin1'))}`);
              await new Promise<void>((r) => {
                const t = setTimeout(r, 100);
                waiters.push(() => {
                  clearTimeout(t);
                  r();
                });
              });
            }
          },
        });
      } else chunks.push(b);
      for (const w of waiters.splice(0)) w();
    });
    s.write(
      `${method} ${p} HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: ${body === undefined ? 'text/plain' : 'application/json'}\r\nContent-Length: ${Buffer.byteLength(data)}\r\n\r\n${data}`,
    );
  });
}
