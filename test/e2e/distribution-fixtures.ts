/**
 * Fixtures for the distribution end-to-end tests: Debian's docker-registry (distribution 2.8) and
 * `wharf registry serve` started on 127.0.0.1 with private storage (and optionally bcrypt basic
 * auth), images made in the test and loaded into a daemon, and probes of what a wharfd stores
 * (blobs, snapshots, leftovers) to show that a failed pull left nothing behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type ArchiveImage, layerTar, legacyArchive, makeImage, pseudoRandom, type TestImage } from '../../src/services/images/testsuite.js';
import { entry, REPO, run, type TestDaemon } from '../helpers/wharfd.js';
import { busyboxRootfs } from './images-fixtures.js';

export type { TestImage };

/** A TCP port nobody listens on right now (bound once and released). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitForPort(port: number, proc: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (proc.exitCode !== null) throw new Error(`registry exited with ${proc.exitCode}`);
    if (Date.now() > deadline) throw new Error(`registry did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A registry process under test. */
export interface RegistryProcess {
  /** `127.0.0.1:<port>`. */
  host: string;
  dir: string;
  /** Its log (requests included) since the first start. */
  log(): string;
  /** SIGKILL (a registry that goes away). */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage. */
  restart(): Promise<void>;
  /** Stops it and removes its storage. */
  destroy(): Promise<void>;
}

export interface RegistryOptions {
  /** Require Basic auth with this account (bcrypt htpasswd made by `htpasswd -B`). */
  user?: { name: string; password: string };
}

async function launch(kind: 'docker-registry' | 'wharf', dir: string, port: number, opts: RegistryOptions): Promise<{ argv: string[] }> {
  const htpasswd = path.join(dir, 'htpasswd');
  if (opts.user) {
    const r = await run('htpasswd', ['-Bbc', htpasswd, opts.user.name, opts.user.password]);
    if (r.code !== 0) throw new Error(`htpasswd: ${r.stderr}`);
  }
  if (kind === 'wharf') {
    const argv = [process.execPath, ...entry('wharf'), 'registry', 'serve', '--addr', `127.0.0.1:${port}`, '--root', path.join(dir, 'data')];
    if (opts.user) argv.push('--htpasswd', htpasswd);
    return { argv };
  }
  const auth = opts.user ? `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${htpasswd}\n` : '';
  const config = `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`;
  await fs.writeFile(path.join(dir, 'config.yml'), config);
  return { argv: ['docker-registry', 'serve', path.join(dir, 'config.yml')] };
}

/** Starts Debian's docker-registry or `wharf registry serve` on a free loopback port. */
export async function startRegistry(kind: 'docker-registry' | 'wharf', opts: RegistryOptions = {}): Promise<RegistryProcess> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-reg-'));
  const port = await freePort();
  const { argv } = await launch(kind, dir, port, opts);
  let log = '';
  let proc: ChildProcess;
  const start = async () => {
    proc = spawn(argv[0]!, argv.slice(1), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    await waitForPort(port, proc);
  };
  const stop = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  };
  await start();
  return {
    host: `127.0.0.1:${port}`,
    dir,
    log: () => log,
    kill: () => stop('SIGKILL'),
    restart: start,
    destroy: async () => {
      await stop('SIGTERM');
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Blob uploads a registry completed (`PUT …/blobs/uploads/…` answered 201), from its request log:
 * docker-registry's access log (`"PUT /v2/… HTTP/1.1" 201`) or wharf registry's
 * (`method="PUT" path="/v2/…" status=201`).
 */
export function completedUploads(log: string, repo = '[^"]+'): number {
  const docker = new RegExp(`"PUT /v2/${repo}/blobs/uploads/[^"]*" 201`, 'g');
  const wharf = new RegExp(`method="PUT" path="/v2/${repo}/blobs/uploads/[^"]*" status=201`, 'g');
  return (log.match(docker) ?? []).length + (log.match(wharf) ?? []).length;
}

/** A busybox base layer plus `extra` one-file layers (deterministic content). */
export async function layeredImage(extra: Array<{ file: string; size: number }>, labels: Record<string, string> = {}): Promise<TestImage> {
  const base = await busyboxRootfs();
  const layers = [base];
  for (const e of extra) layers.push(await layerTar({ [e.file]: pseudoRandom(e.size, e.file) }));
  return makeImage(layers, { config: { Env: ['PATH=/bin'], Cmd: ['sh'], Labels: labels } });
}

/** `docker load`s images into a daemon. */
export async function loadImages(d: TestDaemon, images: ArchiveImage[]): Promise<void> {
  const file = path.join(d.dir, `load-${Date.now()}.tar`);
  await fs.writeFile(file, await legacyArchive(images));
  const r = await d.docker(['load', '-i', file]);
  await fs.rm(file, { force: true });
  if (r.code !== 0) throw new Error(`docker load failed: ${r.stderr}`);
}

/** What a wharfd holds on disk: committed blobs, snapshot keys, in-progress ingests. */
export async function storeState(d: TestDaemon): Promise<{ blobs: string[]; snapshots: string[]; ingests: string[] }> {
  const ls = (p: string) => fs.readdir(path.join(d.dataRoot, p)).catch(() => [] as string[]);
  const meta = JSON.parse(await fs.readFile(path.join(d.dataRoot, 'overlay', 'metadata.json'), 'utf8').catch(() => '{"snapshots":{}}')) as { snapshots: Record<string, unknown> };
  return { blobs: (await ls('content/blobs/sha256')).sort(), snapshots: Object.keys(meta.snapshots).sort(), ingests: await ls('content/ingest') };
}
