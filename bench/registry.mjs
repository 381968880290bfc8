#!/usr/bin/env node
// Registry benchmark, `wharf registry serve` side by side with Debian's docker-registry
// (distribution 2.8) in one run (see bench/README.md): requests per second of blob GET and blob
// HEAD on the same blobs (1 KB and 1 MB by default) over keep-alive loopback connections.
//   GET:  wrk (-t1 -c16), as the issue asks.
//   HEAD: ab -k -i, because wrk waits for a body after a HEAD response that carries
//         Content-Length (as both registries' do) and so never completes a request.
// Both registries log every request (to /dev/null here), run with no auth and filesystem
// storage under one temp dir, and are measured alternately for BENCH_ROUNDS rounds; the median
// of the rounds is reported with the ratio wharf/docker-registry. It measures; it never asserts.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { wharfDist } from './lib/daemons.mjs';
import { run } from './lib/proc.mjs';
import { median, printTable, writeResults } from './lib/timing.mjs';

const env = (name, def) => process.env[name] ?? def;
const DURATION = Number(env('BENCH_DURATION', 5));
const CONNECTIONS = Number(env('BENCH_CONNECTIONS', 16));
const ROUNDS = Number(env('BENCH_ROUNDS', 3));
const SIZES = env('BENCH_BLOB_SIZES', '1024,1048576').split(',').map(Number);
const DOCKER_REGISTRY = env('DOCKER_REGISTRY', '/usr/bin/docker-registry');
const log = (s) => process.stderr.write(`${s}\n`);

const live = new Set();
async function stopAll() {
  await Promise.allSettled([...live].map((p) => p.stop()));
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    stopAll().finally(() => process.exit(130));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a registry process and waits until `GET /v2/` answers 200. */
async function startRegistry(kind, cmd, args, url) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  const proc = {
    kind,
    url,
    async stop() {
      live.delete(proc);
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
  live.add(proc);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${url}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return proc;
    if (child.exitCode !== null || Date.now() > deadline) {
      await proc.stop();
      throw new Error(`${kind} did not start (exit ${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startWharfRegistry(work) {
  const port = await freePort();
  const args = [path.join(wharfDist(), 'cmd/wharf.js'), 'registry', 'serve', '--addr', `127.0.0.1:${port}`, '--root', path.join(work, 'wharf')];
  return startRegistry('wharf registry', process.execPath, args, `http://127.0.0.1:${port}`);
}

/** docker-registry with a private config: filesystem storage under `work`, 127.0.0.1 only. */
async function startDockerRegistry(work) {
  const port = await freePort();
  const config = path.join(work, 'docker-registry.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  cache:',
      '    blobdescriptor: inmemory',
      '  filesystem:',
      `    rootdirectory: ${path.join(work, 'docker-registry')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  return startRegistry('docker-registry', DOCKER_REGISTRY, ['serve', config], `http://127.0.0.1:${port}`);
}

/** POST then PUT (distribution 2.8 has no single-POST upload); returns the blob URL. */
async function uploadBlob(reg, data) {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const start = await fetch(`${reg.url}/v2/bench/blob/blobs/uploads/`, { method: 'POST' });
  const loc = new URL(start.headers.get('location'), reg.url);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`${reg.kind}: upload answered ${put.status}`);
  const url = `${reg.url}/v2/bench/blob/blobs/${digest}`;
  const got = Buffer.from(await (await fetch(url)).arrayBuffer());
  if (!got.equals(data)) throw new Error(`${reg.kind}: GET returned different bytes`);
  return url;
}

async function wrkGet(url) {
  const r = await run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, url], { check: true });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  if (/Non-2xx/.test(r.stdout) || !rps) throw new Error(`wrk: failed requests or no rate:\n${r.stdout}`);
  return rps;
}

async function abHead(url) {
  const r = await run('ab', ['-q', '-k', '-i', `-c${CONNECTIONS}`, `-t${DURATION}`, '-n', '10000000', url], { check: true });
  const rps = Number(/Requests per second:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const failed = Number(/Failed requests:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  const non2xx = /Non-2xx responses:\s+(\d+)/.exec(r.stdout);
  if (failed > 0 || non2xx || !rps) throw new Error(`ab: failed requests or no rate:\n${r.stdout}`);
  return rps;
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'wharf-bench-reg-'));
  const samples = {};
  try {
    const regs = [await startDockerRegistry(work), await startWharfRegistry(work)];
    const blobs = SIZES.map((size) => ({ size, data: randomBytes(size) }));
    const urls = new Map();
    for (const reg of regs) for (const b of blobs) urls.set(`${reg.kind}/${b.size}`, await uploadBlob(reg, b.data));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const b of blobs) {
        for (const op of ['GET', 'HEAD']) {
          for (const reg of round % 2 ? regs : [...regs].reverse()) {
            const key = `${op} ${b.size}`;
            const rps = op === 'GET' ? await wrkGet(urls.get(`${reg.kind}/${b.size}`)) : await abHead(urls.get(`${reg.kind}/${b.size}`));
            samples[key] ??= { 'docker-registry': [], 'wharf registry': [] };
            samples[key][reg.kind].push(rps);
            log(`round ${round}: ${reg.kind.padEnd(15)} ${key.padEnd(13)} ${rps.toFixed(0)} req/s`);
          }
        }
      }
    }
  } finally {
    await stopAll();
    await rm(work, { recursive: true, force: true });
  }
  const label = (size) => (size >= 1 << 20 ? `${size / (1 << 20)} MiB` : size >= 1024 ? `${size / 1024} KiB` : `${size} B`);
  const rows = [['request', 'blob', 'docker-registry req/s', 'wharf registry req/s', 'wharf/docker-registry']];
  const summary = [];
  for (const [key, s] of Object.entries(samples)) {
    const [op, size] = key.split(' ');
    const d = median(s['docker-registry']);
    const w = median(s['wharf registry']);
    rows.push([op, label(Number(size)), d.toFixed(0), w.toFixed(0), `${(w / d).toFixed(2)}×`]);
    summary.push({ op, size: Number(size), dockerRegistry: d, wharf: w, ratio: w / d });
  }
  console.log(`\nblob requests per second, median of ${ROUNDS} rounds of ${DURATION}s, ${CONNECTIONS} keep-alive connections`);
  printTable(rows);
  // On a shared machine the load is what the absolute numbers swing with; keep it beside them.
  console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const file = await writeResults('registry', { params: { DURATION, CONNECTIONS, ROUNDS, SIZES, loadavg: os.loadavg() }, summary, samples });
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

await main();
