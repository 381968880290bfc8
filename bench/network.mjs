#!/usr/bin/env node
// Networking benchmark (issue 5): wharfd vs a real dockerd, in one run, each daemon in a network
// namespace of its own (its bridge, iptables chains, ip_forward and published ports stay in
// there: the host's firewall is never touched, and a real dockerd's iptables — which would add
// DOCKER chains and a FORWARD policy of DROP to the host — is left on, as users run it). Each
// namespace has loopback and a dummy interface standing for the host's own address. Measures:
//   1. network setup: `run --rm busybox true` on the default bridge minus the same with
//      `--network none`, as the median of paired differences (runs interleaved, both daemons),
//      and the same for the `POST /containers/{id}/start` call alone;
//   2. published-port throughput: wrk against busybox httpd serving a 1 MB file, published with
//      `-p PORT:80`, fetched at 127.0.0.1 (dockerd: its userland docker-proxy, its default;
//      wharfd: its wharf-proxy, splice(2), see native/proxy) and at the "host address" (DNAT on
//      both);
//   3. published-port latency: small GETs over 1 connection at 127.0.0.1 (busybox httpd closes
//      every connection, so each request is a connect, a request and a close through the port);
//   4. embedded DNS: a container on a user network resolving another by name (`nslookup web`),
//      timed inside the container over a loop.
// Prints ratios (targets: setup adds ≤ half of dockerd's; throughput ≥ dockerd's); never asserts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DOCKER, wharfDist } from './lib/daemons.mjs';
import { run } from './lib/proc.mjs';
import { fmt, median, printTable, timeOnce, writeResults } from './lib/timing.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 3);
const WRK_ROUNDS = Number(process.env.BENCH_WRK_ROUNDS ?? 9);
const WRK_CONNS = Number(process.env.BENCH_WRK_CONNS ?? 8);
const DNS_LOOKUPS = Number(process.env.BENCH_DNS_LOOKUPS ?? 200);
/** The "host address" inside each namespace (a dummy interface; namespaces are private). */
const HOST_IP = '192.0.2.1';
const PORT = 8080;

const live = new Set();

async function busyboxArchive(dir) {
  const file = path.join(dir, 'busybox.tar');
  await run(process.execPath, [path.join(wharfDist(), 'cmd/wharf.js'), 'image', 'bootstrap', 'busybox', '-o', file], { check: true });
  return file;
}

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

/** A fresh namespace with loopback and HOST_IP on a veth pair inside it (no dummy module here). */
async function makeNetns() {
  const name = `wtb-${randomBytes(3).toString('hex')}`;
  await run('ip', ['netns', 'add', name], { check: true });
  const lines = ['link set lo up', 'link add hostif type veth peer name hostpeer', `addr add ${HOST_IP}/24 dev hostif`, 'link set hostif up', 'link set hostpeer up'];
  const r = await run('ip', ['-n', name, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  if (r.code !== 0) {
    await run('ip', ['netns', 'del', name]);
    throw new Error(`setting up namespace ${name}: ${r.stderr}`);
  }
  return name;
}

/**
 * Starts `kind` in a namespace of its own on private paths under a fresh temp dir; `stop()`
 * stops it, unmounts what it left, and deletes the namespace (its bridges and rules go with it).
 */
async function startInNetns(kind) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `wharf-bn${kind[0]}-`));
  const netns = await makeNetns();
  const socketPath = path.join(dir, 'd.sock');
  const paths = ['--host', `unix://${socketPath}`, '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'd.pid'), '--log-level', 'warn'];
  const cmd =
    kind === 'wharfd'
      ? [process.execPath, path.join(wharfDist(), 'cmd/wharfd.js'), ...paths, '--data-root', path.join(dir, 'data')]
      : ['dockerd', ...paths, '--data-root', path.join(dir, 'root'), '--storage-driver', 'overlay2'];
  // nsenter switches only the network namespace and execs the daemon (same pid): mounts stay the
  // host's, as for any daemon.
  const child = spawn('nsenter', [`--net=/run/netns/${netns}`, ...cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (b) => (log = (log + b).slice(-20000)));
  const env = { ...process.env, DOCKER_HOST: `unix://${socketPath}`, DOCKER_CONFIG: path.join(dir, 'cfg') };
  const d = {
    kind,
    netns,
    socketPath,
    docker: (a) => run(DOCKER, a, { env, check: true }),
    /** Runs a program inside the daemon's namespace (wrk, for instance). */
    inNetns: (c, a) => run('ip', ['netns', 'exec', netns, c, ...a], { check: true }),
    async stop() {
      if (!live.delete(d)) return;
      if (child.exitCode === null) {
        const ids = (await run(DOCKER, ['ps', '-aq'], { env })).stdout.split('\n').filter(Boolean);
        if (ids.length) await run(DOCKER, ['rm', '-f', ...ids], { env });
        child.kill('SIGTERM');
        await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      }
      await run('sh', ['-c', `grep -o ' ${dir}/[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
      await rm(dir, { recursive: true, force: true });
      await run('ip', ['netns', 'del', netns]);
    },
  };
  live.add(d);
  const deadline = Date.now() + 60_000;
  while (!(await ping(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await d.stop();
      throw new Error(`${kind} did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return d;
}

const stopAll = () => Promise.allSettled([...live].map((d) => d.stop()));

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

/** POST on a daemon's socket; resolves with the status once the response has ended. */
function post(socketPath, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: urlPath, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The start itself, without the CLI's process, attach and wait around it: `POST /start` of a
 * created `busybox true` on the default bridge and with `--network none`, paired as above (the
 * order within a pair alternates). dockerd and wharfd both answer once the process runs, so the
 * difference is the network setup on the start's path.
 */
async function startCosts(daemons) {
  const out = new Map(daemons.map((d) => [d.kind, { bridge: [], none: [] }]));
  for (let i = 0; i < RUNS; i++) {
    for (const d of daemons) {
      for (const net of i % 2 ? ['none', 'bridge'] : ['bridge', 'none']) {
        const id = (await d.docker(['create', '--network', net, 'busybox', 'true'])).stdout.trim();
        let status = 0;
        out.get(d.kind)[net].push(await timeOnce(async () => (status = await post(d.socketPath, `/v1.41/containers/${id}/start`))));
        if (status !== 204) throw new Error(`${d.kind}: start answered ${status}`);
        await d.docker(['rm', '-f', id]);
      }
    }
  }
  for (const o of out.values()) o.added = median(o.bridge.map((b, i) => b - o.none[i]));
  return out;
}

/** Bytes per second from wrk's "Transfer/sec: 1.23GB". */
function parseTransfer(out) {
  const m = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(out);
  if (!m) throw new Error(`cannot read wrk output:\n${out}`);
  return Number(m[1]) * { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2]];
}

/** Requests per second from wrk's output. */
const parseRps = (out) => Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);

/** A busybox httpd serving /f (1 MB) and /s (a few bytes), published on PORT of every address. */
async function startWeb(d) {
  const cmd = 'mkdir -p /www && head -c 1048576 /dev/urandom > /www/f && echo small > /www/s && exec httpd -f -p 80 -h /www';
  await d.docker(['run', '-d', '--name', 'bench-web', '-p', `${PORT}:80`, 'busybox', 'sh', '-c', cmd]);
  for (let i = 0; i < 50; i++) {
    if ((await run('ip', ['netns', 'exec', d.netns, 'wrk', '-t1', '-c1', '-d1s', `http://127.0.0.1:${PORT}/s`])).stdout.includes('Transfer/sec')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${d.kind}: the published port never answered`);
}

/** One wrk configuration, measured in alternating rounds on each daemon. */
const WRK_CASES = [
  { key: 'loopback', args: () => ['-t2', `-c${WRK_CONNS}`], url: `http://127.0.0.1:${PORT}/f` },
  { key: 'hostAddress', args: () => ['-t2', `-c${WRK_CONNS}`], url: `http://${HOST_IP}:${PORT}/f` },
  { key: 'latency', args: () => ['-t1', '-c1'], url: `http://127.0.0.1:${PORT}/s` },
];

async function publishedPorts(daemons) {
  for (const d of daemons) await startWeb(d);
  const out = new Map(daemons.map((d) => [d.kind, Object.fromEntries(WRK_CASES.map((c) => [c.key, { bytesPerSec: [], rps: [] }]))]));
  for (let round = 0; round < WRK_ROUNDS; round++) {
    for (const c of WRK_CASES) {
      for (const d of round % 2 ? [...daemons].reverse() : daemons) {
        const r = await d.inNetns('wrk', [...c.args(), `-d${WRK_SECONDS}s`, c.url]);
        const o = out.get(d.kind)[c.key];
        o.bytesPerSec.push(parseTransfer(r.stdout));
        o.rps.push(parseRps(r.stdout));
      }
    }
  }
  for (const d of daemons) await d.docker(['rm', '-f', 'bench-web']);
  return out;
}

/**
 * A resolver's view from inside a container's namespace: `n` sequential A queries for `name` to
 * `server`, one UDP socket; prints the median round trip in µs. Runs under `nsenter --net`.
 */
const RTT_CLIENT = `
const dgram = require('node:dgram');
const [server, name, n] = [process.argv[1], process.argv[2], Number(process.argv[3])];
const query = (id) => Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
  ...name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]), Buffer.from([0, 0, 1, 0, 1])]);
const s = dgram.createSocket('udp4');
s.connect(53, server, async () => {
  const us = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await new Promise((r) => { s.once('message', r); s.send(query(i & 0xffff)); });
    us.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  us.sort((a, b) => a - b);
  console.log(us[n >> 1]);
  s.close();
});`;

/**
 * The embedded DNS as a container on a user network meets it: seconds per `nslookup web` (a
 * resolver process per lookup, timed inside the container), and the median round trip of raw
 * queries sent from the container's namespace to its nameserver.
 */
async function dnsLookups(daemons) {
  const out = new Map(daemons.map((d) => [d.kind, { nslookup: [], rtt: [] }]));
  for (const d of daemons) {
    await d.docker(['network', 'create', 'bench-net']);
    await d.docker(['run', '-d', '--name', 'web', '--network', 'bench-net', 'busybox', 'sleep', '3600']);
    await d.docker(['run', '-d', '--name', 'client', '--network', 'bench-net', 'busybox', 'sleep', '3600']);
  }
  // /proc/uptime (centiseconds; busybox date has no %N) around the loop, whose process-spawning
  // cost is the same on both daemons' containers.
  const cs = "$(tr -d . < /proc/uptime | cut -d' ' -f1)";
  const loop = `s=${cs}; for i in $(seq ${DNS_LOOKUPS}); do nslookup -type=a web >/dev/null || exit 1; done; e=${cs}; echo $((e - s))`;
  const where = new Map();
  for (const d of daemons) {
    const netns = (await d.docker(['inspect', 'client', '--format', '{{.NetworkSettings.SandboxKey}}'])).stdout.trim();
    const server = /^nameserver\s+(\S+)/m.exec((await d.docker(['exec', 'client', 'cat', '/etc/resolv.conf'])).stdout)[1];
    where.set(d.kind, { netns, server });
  }
  for (let round = 0; round < 5; round++) {
    for (const d of round % 2 ? [...daemons].reverse() : daemons) {
      const o = out.get(d.kind);
      const centis = Number((await d.docker(['exec', 'client', 'sh', '-c', loop])).stdout.trim());
      o.nslookup.push(centis / 100 / DNS_LOOKUPS);
      const { netns, server } = where.get(d.kind);
      const r = await run('nsenter', [`--net=${netns}`, process.execPath, '-e', RTT_CLIENT, server, 'web', String(DNS_LOOKUPS * 5)], { check: true });
      o.rtt.push(Number(r.stdout.trim()) / 1e6);
    }
  }
  for (const d of daemons) {
    await d.docker(['rm', '-f', 'web', 'client']);
    await d.docker(['network', 'rm', 'bench-net']);
  }
  return out;
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-bench-net-'));
  const daemons = [];
  let setup;
  let starts;
  let ports;
  let dns;
  try {
    const archive = await busyboxArchive(dir);
    daemons.push(await startInNetns('dockerd'), await startInNetns('wharfd'));
    for (const d of daemons) await d.docker(['load', '-q', '-i', archive]);
    setup = await setupCosts(daemons);
    starts = await startCosts(daemons);
    ports = await publishedPorts(daemons);
    dns = await dnsLookups(daemons);
  } finally {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
  const [k, w] = [setup.get('dockerd'), setup.get('wharfd')];
  const [sk, sw] = [starts.get('dockerd'), starts.get('wharfd')];
  const [pk, pw] = [ports.get('dockerd'), ports.get('wharfd')];
  const bps = (o) => median(o.bytesPerSec) / 1e6;
  const lat = (o) => 1 / median(o.rps);
  const row = (label, a, b, show, target = '', ratio = b / a) => [label, show(a), show(b), fmt.ratio(ratio), target];
  fmt.us = (x) => `${(x * 1e6).toFixed(0)} µs`;
  // Samples i of both daemons were taken back to back: the median of their ratios is steadier
  // than a ratio of medians when other work on the machine comes and goes.
  const paired = (a, b) => median(b.map((x, i) => x / a[i]));
  const [dk, dw] = [dns.get('dockerd'), dns.get('wharfd')];
  const rows = [
    ['measure (medians)', 'dockerd', 'wharfd', 'wharfd/dockerd*', 'target'],
    row('run --rm true, default bridge (median)', median(k.bridge), median(w.bridge), fmt.ms),
    row('run --rm true, --network none (median)', median(k.none), median(w.none), fmt.ms),
    row('network setup added (median of bridge − none pairs)', k.added, w.added, fmt.ms, '≤ 0.5×'),
    row('POST /start, default bridge (median)', median(sk.bridge), median(sw.bridge), fmt.ms),
    row('POST /start, --network none (median)', median(sk.none), median(sw.none), fmt.ms),
    row('network setup added to POST /start (median of pairs)', sk.added, sw.added, fmt.ms, '≤ 0.5×'),
    row(`1 MB GETs at 127.0.0.1:port, ${WRK_CONNS} conns (docker-proxy vs wharf-proxy)`, bps(pk.loopback), bps(pw.loopback), fmt.mbps, '≥ 1×', paired(pk.loopback.bytesPerSec, pw.loopback.bytesPerSec)),
    row(`1 MB GETs at host address:port, ${WRK_CONNS} conns (DNAT vs DNAT)`, bps(pk.hostAddress), bps(pw.hostAddress), fmt.mbps, '≥ 1×', paired(pk.hostAddress.bytesPerSec, pw.hostAddress.bytesPerSec)),
    row('small GET at 127.0.0.1:port, 1 conn: time per request', lat(pk.latency), lat(pw.latency), fmt.ms, '≤ 1×', paired(pw.latency.rps, pk.latency.rps)),
    row('embedded DNS: `nslookup web` in a container', median(dk.nslookup), median(dw.nslookup), fmt.ms, '≤ 1×', paired(dk.nslookup, dw.nslookup)),
    row('embedded DNS: query round trip from the container', median(dk.rtt), median(dw.rtt), fmt.us, '≤ 1×', paired(dk.rtt, dw.rtt)),
  ];
  console.log(`docker client: ${DOCKER}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  printTable(rows);
  console.log('* wrk and DNS rows: the median of the ratios of back-to-back samples');
  const results = { setup: Object.fromEntries(setup), starts: Object.fromEntries(starts), ports: Object.fromEntries(ports), dns: Object.fromEntries(dns) };
  const file = await writeResults('network', { runs: RUNS, wrkSeconds: WRK_SECONDS, wrkRounds: WRK_ROUNDS, wrkConns: WRK_CONNS, dnsLookups: DNS_LOOKUPS, results });
  console.log(`results: ${file}`);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  // lib/daemons.mjs (imported through timing.mjs) exits at once on these: our daemons need stopping first.
  process.removeAllListeners(sig);
  process.once(sig, () => {
    process.stderr.write(`\n${sig}: stopping the benchmark daemons\n`);
    stopAll().finally(() => process.exit(130));
  });
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
