/**
 * Test helpers for build contexts: list a tar, and record what the real docker CLI sends to
 * `POST /build` (a tiny Engine API stand-in on a unix socket; no dockerd needed).
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createTarExtract, normalizeHeader } from '../../lib/tar/tar-reader.js';
import { completeTarTail } from './tar-tail.js';

/** One tar entry as the tests compare it. */
export interface ListedEntry {
  name: string;
  type: string;
  mode: string;
  owner: string;
  mtime: number;
  linkname: string;
  content: string;
}

/** Lists a tar (plain or gzip) in archive order. */
export async function listTar(tar: Buffer | Readable): Promise<ListedEntry[]> {
  const src = Buffer.isBuffer(tar) ? Readable.from([tar]) : tar;
  const buf = await streamToBuffer(src);
  const plain = buf[0] === 0x1f && buf[1] === 0x8b ? await streamToBuffer(Readable.from([buf]).pipe(createGunzip())) : buf;
  const ex = createTarExtract();
  // The CLI's tar may end right after the last entry's data (see tar-tail.ts).
  const feed = pipeline(Readable.from([plain]), completeTarTail(), ex as unknown as NodeJS.WritableStream);
  const out: ListedEntry[] = [];
  for await (const entry of ex) {
    const h = normalizeHeader(entry.header);
    const body = await streamToBuffer(entry as unknown as Readable);
    if (!h) continue;
    out.push({
      name: h.name.replace(/\/$/, ''),
      type: h.type,
      mode: (h.mode & 0o7777).toString(8),
      owner: `${h.uid}:${h.gid}`,
      mtime: Math.floor(h.mtime),
      linkname: h.linkname,
      content: body.toString('utf8'),
    });
  }
  await feed;
  return out;
}

async function streamToBuffer(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

export const DOCKER_CLI = '/usr/local/bin/docker';

/** Whether the real docker CLI is installed (tests that need it skip otherwise). */
export const haveDockerCli = existsSync(DOCKER_CLI);

/** What the CLI sent: the build query and the context tar. */
export interface RecordedBuild {
  query: URLSearchParams;
  body: Buffer;
}

/**
 * Runs `DOCKER_BUILDKIT=0 docker build ARGS` against a recording stand-in daemon and returns the
 * request it made. `stdin` is piped to the CLI when given.
 */
export async function recordDockerBuild(args: string[], opts: { cwd: string; stdin?: Buffer }): Promise<RecordedBuild> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-clirec-'));
  const sock = path.join(dir, 'd.sock');
  let recorded: RecordedBuild | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('Api-Version', '1.41');
      res.setHeader('Content-Type', 'application/json');
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.endsWith('/build')) {
        recorded = { query: url.searchParams, body: Buffer.concat(chunks) };
        res.end(`{"aux":{"ID":"sha256:${'0'.repeat(64)}"}}\r\n`);
      } else {
        res.end(req.method === 'HEAD' ? undefined : 'OK');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        DOCKER_CLI,
        ['build', ...args],
        { cwd: opts.cwd, env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: dir }, timeout: 30_000 },
        (err, _stdout, stderr) => (err && !recorded ? reject(new Error(`docker build failed: ${stderr}`)) : resolve()),
      );
      child.stdin?.end(opts.stdin);
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (!recorded) throw new Error('the docker CLI made no build request');
  return recorded;
}
