/**
 * Test support for the shim tests (and its benchmark): a shim binary built from native/shim,
 * busybox bundles over one shared rootfs, the runtime with a private `--root`, and a cleanup
 * that leaves no container, cgroup, shim process or temp dir behind.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeBusyboxRootfs, minimalSpec, writeBundleConfig } from '../../core/runtime/busybox-bundle.js';
import type { OciProcess } from '../../core/runtime/oci-spec-types.js';
import { type RunResult, runCommand } from '../../lib/exec-file.js';
import { bindFreeControllersToV1, removeCgroupPath } from '../runtime/cgroups.js';
import type { ShimConnection, ShimStream } from './attach-shim.js';
import type { ShimExit } from './read-exit.js';
import { ShimFiles } from './shim-paths.js';
import type { SpawnShimOptions } from './spawn-shim.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Compiles native/shim into `out` with scripts/build-shim.sh (what `npm run build` runs). */
export async function buildShim(out: string): Promise<string> {
  await runCommand('bash', [path.join(repoRoot, 'scripts/build-shim.sh'), out]);
  return out;
}

/**
 * The wharf-shim a shim test file runs (call at its top level): built into a temp dir removed
 * after the file's tests, on a host readied for crun (see bindFreeControllersToV1).
 */
export async function buildShimForTests(): Promise<string> {
  await bindFreeControllersToV1();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-shim-build-'));
  after(() => fs.rm(dir, { recursive: true, force: true }));
  return buildShim(path.join(dir, 'wharf-shim'));
}

export interface TestContainer {
  id: string;
  bundle: string;
  stateDir: string;
  logPath: string;
}

export interface ShimFixture {
  readonly dir: string;
  readonly shimPath: string;
  readonly runtime: string;
  readonly runtimeRoot: string;
  /** A new container id with its bundle (running `args`) and state dir. */
  container(args: string[], opts?: { tty?: boolean }): Promise<TestContainer>;
  /** A process.json for `runtime exec --process`, written into the fixture dir. */
  processFile(args: string[], opts?: { tty?: boolean }): Promise<string>;
  /** `runtime --root <private> ...args`. */
  runtimeCmd(...args: string[]): Promise<RunResult>;
  /** spawnShim's options for container `c` (its bundle, state dir and log), with `extra` on top. */
  spawnOptions(c: TestContainer, extra?: Partial<SpawnShimOptions>): SpawnShimOptions;
  cleanup(): Promise<void>;
}

/** Whether the shim that wrote `<stateDir>/shim.pid` is still running. */
export async function shimAlive(stateDir: string): Promise<boolean> {
  const pid = Number.parseInt(await fs.readFile(path.join(stateDir, ShimFiles.shimPid), 'utf8').catch(() => ''), 10);
  if (!pid) return false;
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // A zombie (state Z) has exited; only the reaping by its new parent is pending.
  return stat.includes('(wharf-shim') && !/\) Z /.test(stat);
}

export async function createShimFixture(runtime: string, shimPath: string): Promise<ShimFixture> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `wharf-shim-${runtime}-`));
  const rootfs = path.join(dir, 'rootfs');
  await makeBusyboxRootfs(rootfs);
  const runtimeRoot = path.join(dir, 'runtime-root');
  const cgroupParent = `/wharf-shim-test-${randomBytes(4).toString('hex')}`;
  const containers: TestContainer[] = [];
  let seq = 0;
  const runtimeCmd = (...args: string[]) => runCommand(runtime, ['--root', runtimeRoot, ...args], { check: false });

  return {
    dir,
    shimPath,
    runtime,
    runtimeRoot,
    runtimeCmd,
    spawnOptions: (c, extra = {}) => ({
      shimPath,
      id: c.id,
      bundle: c.bundle,
      runtime,
      runtimeRoot,
      stateDir: c.stateDir,
      log: { path: c.logPath },
      ...extra,
    }),
    async container(args, opts = {}) {
      const id = `shim-${++seq}-${randomBytes(3).toString('hex')}`;
      const bundle = path.join(dir, 'bundles', id);
      await fs.mkdir(bundle, { recursive: true });
      const spec = minimalSpec(args, { cgroupsPath: `${cgroupParent}/${id}`, terminal: opts.tty ?? false });
      spec.root = { path: rootfs };
      await writeBundleConfig(bundle, spec);
      const stateDir = path.join(dir, 'state', id);
      const c = { id, bundle, stateDir, logPath: path.join(stateDir, `${id}-json.log`) };
      containers.push(c);
      return c;
    },
    async processFile(args, opts = {}) {
      const proc: OciProcess = { ...minimalSpec(args).process!, terminal: opts.tty ?? false };
      const file = path.join(dir, `process-${++seq}.json`);
      await fs.writeFile(file, JSON.stringify(proc));
      return file;
    },
    async cleanup() {
      for (const c of containers) {
        await runtimeCmd('delete', '-f', c.id);
        for (const sd of [c.stateDir, ...(await subdirs(c.stateDir))]) {
          if (await shimAlive(sd)) {
            const pid = Number.parseInt(await fs.readFile(path.join(sd, ShimFiles.shimPid), 'utf8'), 10);
            process.kill(pid, 'SIGKILL');
          }
        }
        await removeCgroupPath(`${cgroupParent}/${c.id}`);
      }
      await removeCgroupPath(cgroupParent);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function subdirs(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith('exec-')).map((n) => path.join(dir, n));
}

/** What a test client saw on one connection. */
export interface Collected {
  text(stream?: ShimStream): string;
  exit: Promise<ShimExit>;
  closed: Promise<Error | undefined>;
  /** Resolves once the output of `stream` contains `needle`. */
  waitFor(needle: string, stream?: ShimStream, ms?: number): Promise<void>;
}

export function collect(conn: ShimConnection): Collected {
  const bufs: Record<ShimStream, Buffer[]> = { stdout: [], stderr: [] };
  const waiters: (() => void)[] = [];
  const text = (s: ShimStream = 'stdout') => Buffer.concat(bufs[s]).toString('utf8');
  conn.onData((stream, data) => {
    bufs[stream].push(Buffer.from(data));
    for (const w of waiters.splice(0)) w();
  });
  let gotExit = false;
  const exit = new Promise<ShimExit>((resolve, reject) => {
    conn.onExit((e) => {
      gotExit = true;
      resolve(e);
    });
    // The shim delivers the exit before closing; a close without one means this client was dropped.
    conn.onClose((err) => {
      if (!gotExit) reject(new Error(`the shim closed the connection without an exit${err ? `: ${err.message}` : ''}`));
    });
  });
  exit.catch(() => {
    /* surfaced to whoever awaits it */
  });
  const closed = new Promise<Error | undefined>((resolve) => conn.onClose(resolve));
  return {
    text,
    exit,
    closed,
    async waitFor(needle, stream = 'stdout', ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!text(stream).includes(needle)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(needle)}; got ${JSON.stringify(text(stream))}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 100);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}

/** The raw lines of a json-file log, parsed. */
export async function readLogRecords(file: string): Promise<{ log: string; stream: string; time: string }[]> {
  const text = await fs.readFile(file, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
}

/** Polls `cond` until true (or throws after `ms`). */
export async function waitUntil(cond: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
