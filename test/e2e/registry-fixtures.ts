/**
 * Fixtures of the registry end-to-end tests: `wharf registry serve` as its own process on a free
 * loopback port, test images in `docker save` format, and counting requests in its log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { layerTar, legacyArchive, makeImage, pseudoRandom, type TestImage } from '../../src/services/images/testsuite.js';
import { entry } from '../helpers/wharfd.js';

export interface RegistryProcess {
  url: string;
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  root: string;
  proc: ChildProcess;
  /** The registry's stderr lines so far (its request log). */
  logs(): string[];
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (for registries that must know their own URL, as token realms do). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `wharf registry serve --root <root> --addr 127.0.0.1:<port> …extra` and waits until it listens. */
export async function startRegistryProcess(root: string, extra: string[] = [], port = 0): Promise<RegistryProcess> {
  const proc = spawn(process.execPath, [...entry('wharf'), 'registry', 'serve', '--root', root, '--addr', `127.0.0.1:${port}`, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  proc.stderr!.on('data', (b: Buffer) => {
    text += b.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`registry did not start:\n${text}`)), 30_000);
    const check = () => {
      const m = /msg="listening" url="([^"]+)"/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stderr!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry exited with ${code}:\n${text}`));
    });
  });
  return {
    url,
    host: url.replace(/^https?:\/\//, ''),
    root,
    proc,
    logs: () => text.split('\n').filter((l) => l !== ''),
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Request log lines of one method whose path matches `re`. */
export function requests(logs: readonly string[], method: string, re: RegExp): string[] {
  return logs.filter((l) => l.includes('msg="request"') && l.includes(`method="${method}"`) && re.test(/path="([^"]*)"/.exec(l)?.[1] ?? ''));
}

/** Gives the registry a moment to write its log (it flushes once per event-loop turn). */
export async function settleLogs(): Promise<void> {
  await new Promise((r) => setTimeout(r, 200));
}

/** A layer tar with one file of deterministic, incompressible bytes. */
export function randomLayer(name: string, size: number): Promise<Buffer> {
  return layerTar({ [`data/${name}`]: pseudoRandom(size, name) });
}

/** Writes a `docker save` archive of `layers` tagged `tag` and returns its path and the image. */
export async function writeImageArchive(dir: string, file: string, tag: string, layers: Buffer[]): Promise<{ path: string; image: TestImage }> {
  const image = makeImage(layers);
  const p = path.join(dir, file);
  await fs.writeFile(p, await legacyArchive([{ image, tags: [tag] }]));
  return { path: p, image };
}

/** An htpasswd file with `users` (name → password), bcrypt cost 4 (fast tests). */
export async function writeHtpasswd(dir: string, users: Record<string, string>): Promise<string> {
  const p = path.join(dir, 'htpasswd');
  await fs.writeFile(p, Object.entries(users).map(([u, pw]) => `${u}:${bcrypt.hashSync(pw, 4)}\n`).join(''));
  return p;
}

/** A P-256 private key for token signing. */
export async function writeTokenKey(dir: string): Promise<string> {
  const p = path.join(dir, 'token-key.pem');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await fs.writeFile(p, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return p;
}
