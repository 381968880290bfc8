#!/usr/bin/env node
// Networking benchmark (issue 5): wharfd vs a real dockerd, both with a bridge of their own, in
// one run. Measures:
//   1. network setup cost: `run --rm busybox true` on the default bridge minus the same with
//      `--network none`, as the median of paired differences (runs interleaved, both daemons);
//   2. TCP throughput through a published port: wrk against busybox httpd serving a 1 MB file,
//      published on 127.0.0.1 (wharfd: DNAT in the kernel, see firewall-rules.ts; dockerd:
//      its userland docker-proxy, its default).
// Prints ratios (targets: setup adds ≤ half of dockerd's; throughput ≥ dockerd's); never asserts.
//
// dockerd gets a bridge made here (private name, a free 10.236.x.0/24) and iptables on; what it
// adds to iptables is removed afterwards: the rules naming our bridge, and Docker's chains too
// when they did not exist before the run (they are shared by every dockerd on the host).
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DOCKER, startWharfd, stopAll, wharfDist } from './lib/daemons.mjs';
import { run } from './lib/proc.mjs';
import { fmt, median, printTable, timeOnce, writeResults } from './lib/timing.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 3);
const WRK_ROUNDS = Number(process.env.BENCH_WRK_ROUNDS ?? 9);
const WRK_CONNS = Number(process.env.BENCH_WRK_CONNS ?? 8);

async function busyboxArchive(dir) {
  const file = path.join(dir, 'busybox.tar');
  await run(process.execPath, [path.join(wharfDist(), 'cmd/wharf.js'), 'image', 'bootstrap', 'busybox', '-o', file], { check: true });
  return file;
}

// --- a private dockerd with a bridge of its own ---

/** A /24 of 10.236.0.0/16 that no host route uses. */
async function freeSubnet() {
  const routes = JSON.parse((await run('ip', ['-json', '-4', 'route'], { check: true })).stdout || '[]');
  const used = new Set(routes.map((r) => r.dst));
  for (let i = 0; i < 256; i++) {
    const c = (Number.parseInt(randomBytes(1).toString('hex'), 16) + i) % 256;
    if (![...used].some((d) => d.startsWith(`10.236.${c}.`) || d === '10.236.0.0/16')) return `10.236.${c}`;
  }
  throw new Error('no free subnet in 10.236.0.0/16');
}

const DOCKER_FILTER_CHAINS = ['DOCKER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2', 'DOCKER-USER'];
const ipt = (args) => run('iptables', ['-w', ...args]);

function ping(socketPath) {
  return new Promise((resolve) => {
    const req = http.request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** Deletes every rule (in any chain of `table`) whose text names `needle`, by turning -A into -D. */
async function deleteRulesNaming(table, needle) {
  const lines = (await ipt(['-t', table, '-S'])).stdout.split('\n').filter((l) => l.startsWith('-A ') && l.includes(needle));
  for (const l of lines) await ipt(['-t', table, ...splitRule(l.replace(/^-A /, '-D '))]);
}

/** iptables -S output back into argv (its quoting is only ever around comments, unused here). */
function splitRule(line) {
  return line.split(' ').filter(Boolean);
}

async function startBridgedDockerd() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-bnd-'));
  const socketPath = path.join(dir, 'docker.sock');
  const bridge = `wbd${randomBytes(3).toString('hex')}`;
  const net = await freeSubnet();
  const chainsExisted = (await ipt(['-S', 'DOCKER'])).code === 0 || (await ipt(['-t', 'nat', '-S', 'DOCKER'])).code === 0;
  await run('ip', ['-batch', '-'], { input: `link add ${bridge} type bridge\naddr add ${net}.1/24 dev ${bridge}\nlink set ${bridge} up\n`, check: true });
  const args = ['--host', `unix://${socketPath}`, '--data-root', path.join(dir, 'root'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'docker.pid')];
  args.push('--bridge', bridge, '--iptables=true', '--ip-masq=true', '--storage-driver', 'overlay2', '--log-level', 'warn');
  const child = spawn('dockerd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (b) => (log = (log + b).slice(-20000)));
  const cleanup = async () => {
    await run('sh', ['-c', `grep -o ' ${dir}/[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    await rm(dir, { recursive: true, force: true });
    for (const table of ['filter', 'nat']) {
      await deleteRulesNaming(table, bridge);
      await deleteRulesNaming(table, `${net}.0/24`);
    }
    if (!chainsExisted) {
      await ipt(['-D', 'FORWARD', '-j', 'DOCKER-USER']);
      await ipt(['-D', 'FORWARD', '-j', 'DOCKER-ISOLATION-STAGE-1']);
      await ipt(['-t', 'nat', '-D', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'DOCKER']);
      await ipt(['-t', 'nat', '-D', 'OUTPUT', '!', '-d', '127.0.0.0/8', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'DOCKER']);
      // Docker's chains, created by this dockerd: emptied and deleted.
      for (const c of DOCKER_FILTER_CHAINS) await ipt(['-F', c]);
      for (const c of DOCKER_FILTER_CHAINS) await ipt(['-X', c]);
      await ipt(['-t', 'nat', '-F', 'DOCKER']);
      await ipt(['-t', 'nat', '-X', 'DOCKER']);
    }
    await run('ip', ['link', 'del', bridge]);
  };
  const deadline = Date.now() + 60_000;
  while (!(await ping(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await cleanup();
      throw new Error(`dockerd did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const env = { ...process.env, DOCKER_HOST: `unix://${socketPath}`, DOCKER_CONFIG: path.join(dir, 'docker-config') };
  return {
    kind: 'dockerd',
    docker: (a) => run(DOCKER, a, { env, check: true }),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      await cleanup();
    },
  };
}

// --- measurements ---
// Both daemons run side by side and their samples are interleaved, so the other work on this
// (shared, 2-core) machine weighs on both alike.

/** `run --rm busybox true` samples on the default bridge and with --network none, interleaved. */
async function setupCosts(daemons) {
  const out = new Map(daemons.map((d) => [d.kind, { bridge: [], none: [] }]));
  for (const d of daemons) for (const net of ['bridge', 'none']) await d.docker(['run', '--rm', '--network', net, 'busybox', 'true']); // warm-up
  for (let i = 0; i < RUNS; i++) {
    for (const d of daemons) {
      const o = out.get(d.kind);
      o.bridge.push(await timeOnce(() => d.docker(['run', '--rm', 'busybox', 'true'])));
      o.none.push(await timeOnce(() => d.docker(['run', '--rm', '--network', 'none', 'busybox', 'true'])));
    }
  }
  // The median of paired differences (each bridge run against the none run right after it):
  // steadier than a difference of medians when the machine's load drifts.
  for (const o of out.values()) o.added = median(o.bridge.map((b, i) => b - o.none[i]));
  return out;
}

/** Bytes per second from wrk's "Transfer/sec: 1.23GB". */
function parseTransfer(out) {
  const m = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(out);
  if (!m) throw new Error(`cannot read wrk output:\n${out}`);
  return Number(m[1]) * { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2]];
}

/** A busybox httpd serving a 1 MB file, published on a random 127.0.0.1 port; returns its URL. */
async function startWeb(d) {
  const cmd = 'mkdir -p /www && head -c 1048576 /dev/urandom > /www/f && exec httpd -f -p 80 -h /www';
  await d.docker(['run', '-d', '--name', 'bench-web', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', cmd]);
  const port = /:(\d+)$/.exec((await d.docker(['port', 'bench-web', '80'])).stdout.trim())[1];
  const url = `http://127.0.0.1:${port}/f`;
  for (let i = 0; i < 50; i++) {
    if ((await run('wrk', ['-t1', '-c1', '-d1s', url])).stdout.includes('Transfer/sec')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return url;
}

/** wrk rounds against each daemon's published port, alternating; medians of bytes/s and req/s. */
async function throughputs(daemons) {
  const urls = new Map();
  for (const d of daemons) urls.set(d.kind, await startWeb(d));
  const out = new Map(daemons.map((d) => [d.kind, { bytesPerSec: [], rps: [] }]));
  for (let round = 0; round < WRK_ROUNDS; round++) {
    for (const d of round % 2 ? [...daemons].reverse() : daemons) {
      const r = await run('wrk', ['-t2', `-c${WRK_CONNS}`, `-d${WRK_SECONDS}s`, urls.get(d.kind)], { check: true });
      out.get(d.kind).bytesPerSec.push(parseTransfer(r.stdout));
      out.get(d.kind).rps.push(Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0));
    }
  }
  for (const d of daemons) await d.docker(['rm', '-f', 'bench-web']);
  return out;
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-bench-net-'));
  const daemons = [];
  let setup;
  let tput;
  try {
    const archive = await busyboxArchive(dir);
    daemons.push(await startBridgedDockerd(), await startWharfd());
    for (const d of daemons) await d.docker(['load', '-q', '-i', archive]);
    setup = await setupCosts(daemons);
    tput = await throughputs(daemons);
  } finally {
    for (const d of daemons) await d.stop().catch((err) => console.error(`stopping ${d.kind}:`, err));
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
  const [k, w] = [setup.get('dockerd'), setup.get('wharfd')];
  const [tk, tw] = [tput.get('dockerd'), tput.get('wharfd')];
  const bps = (t) => median(t.bytesPerSec);
  const rows = [
    ['measure', 'dockerd', 'wharfd', 'wharfd/dockerd', 'target'],
    ['run --rm true, default bridge (median)', fmt.ms(median(k.bridge)), fmt.ms(median(w.bridge)), fmt.ratio(median(w.bridge) / median(k.bridge)), ''],
    ['run --rm true, --network none (median)', fmt.ms(median(k.none)), fmt.ms(median(w.none)), fmt.ratio(median(w.none) / median(k.none)), ''],
    ['network setup added (median of bridge − none pairs)', fmt.ms(k.added), fmt.ms(w.added), fmt.ratio(w.added / k.added), '≤ 0.5×'],
    [`1 MB GETs via 127.0.0.1 port, wrk ${WRK_CONNS} conns (median of ${WRK_ROUNDS})`, fmt.mbps(bps(tk) / 1e6), fmt.mbps(bps(tw) / 1e6), fmt.ratio(bps(tw) / bps(tk)), '≥ 1×'],
    ['  requests/s', median(tk.rps).toFixed(0), median(tw.rps).toFixed(0), fmt.ratio(median(tw.rps) / median(tk.rps)), ''],
  ];
  console.log(`docker client: ${DOCKER}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  printTable(rows);
  const results = { setup: Object.fromEntries(setup), throughput: Object.fromEntries(tput) };
  const file = await writeResults('network', { runs: RUNS, wrkSeconds: WRK_SECONDS, wrkRounds: WRK_ROUNDS, wrkConns: WRK_CONNS, results });
  console.log(`results: ${file}`);
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
