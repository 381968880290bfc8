#!/usr/bin/env node
// Containers benchmark (issue 3): wharfd vs the real dockerd (+ containerd) in one run, and a bare
// `runc run` of the same busybox bundle as the floor. Measures:
//   1. `docker run --rm --network none busybox true` latency (median)
//   2. 50 detached starts (`run -d --network none busybox sleep 600`), total time
//   3. `docker exec CTR true` latency (median)
//   4. `docker ps -a` with 200 containers present (median)
//   5. idle RSS of the daemon(s) with no containers (wharfd alone; dockerd + its containerd)
// Prints ratios; never asserts. See bench/README.md.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DOCKER, startDockerd, startWharfd, stopAll, wharfDist } from './lib/daemons.mjs';
import { run } from './lib/proc.mjs';
import { fmt, median, printTable, timeOnce, writeResults } from './lib/timing.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const DETACHED = Number(process.env.BENCH_DETACHED ?? 50);
const PS_CONTAINERS = Number(process.env.BENCH_PS_CONTAINERS ?? 200);

process.on('SIGINT', () => stopAll().then(() => process.exit(130)));

async function busyboxArchive(dir) {
  const file = path.join(dir, 'busybox.tar');
  await run(process.execPath, [path.join(wharfDist(), 'cmd/wharf.js'), 'image', 'bootstrap', 'busybox', '-o', file], { check: true });
  return file;
}

async function samples(n, fn) {
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(await timeOnce(() => fn(i)));
  return xs;
}

/** VmRSS in bytes of a pid and, recursively, its children (dockerd starts containerd as a child). */
async function treeRss(pid) {
  let total = 0;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (m) total += Number(m[1]) * 1024;
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim();
  for (const c of children ? children.split(/\s+/) : []) total += await treeRss(Number(c));
  return total;
}

/** A bare OCI bundle of the same busybox rootfs, for the `runc run` floor. */
async function bareBundle(dir, archive) {
  const bundle = path.join(dir, 'bundle');
  const rootfs = path.join(bundle, 'rootfs');
  await run('mkdir', ['-p', rootfs], { check: true });
  const x = path.join(dir, 'x');
  await run('mkdir', ['-p', x], { check: true });
  await run('tar', ['-xf', archive, '-C', x], { check: true });
  const manifest = JSON.parse(await readFile(path.join(x, 'manifest.json'), 'utf8'));
  for (const layer of manifest[0].Layers) await run('tar', ['-xf', path.join(x, layer), '-C', rootfs], { check: true });
  await run('runc', ['spec', '--bundle', bundle], { check: true });
  const cfgPath = path.join(bundle, 'config.json');
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
  cfg.process.terminal = false;
  cfg.process.args = ['true'];
  await writeFile(cfgPath, JSON.stringify(cfg));
  return bundle;
}

async function measureDaemon(d, archive) {
  const out = { kind: d.kind };
  out.idleRss = await treeRss(d.pid);
  await d.docker(['load', '-q', '-i', archive]);
  await d.docker(['run', '--rm', '--network', 'none', 'busybox', 'true']); // warm-up
  out.runRm = await samples(RUNS, () => d.docker(['run', '--rm', '--network', 'none', 'busybox', 'true']));
  out.detached = await timeOnce(async () => {
    for (let i = 0; i < DETACHED; i++) await d.docker(['run', '-d', '--network', 'none', '--name', `bd${i}`, 'busybox', 'sleep', '600']);
  });
  await d.docker(['exec', 'bd0', 'true']); // warm-up
  out.exec = await samples(RUNS, () => d.docker(['exec', 'bd0', 'true']));
  const ids = (await d.docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  await d.docker(['rm', '-f', ...ids]);
  for (let i = 0; i < PS_CONTAINERS; i++) await d.docker(['create', '--network', 'none', 'busybox', 'true']);
  await d.docker(['ps', '-a']);
  out.ps = await samples(RUNS, () => d.docker(['ps', '-a']));
  return out;
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-bench-ctr-'));
  try {
    const archive = await busyboxArchive(dir);
    const bundle = await bareBundle(dir, archive);
    const runcRoot = path.join(dir, 'runc-root');
    const runc = await samples(RUNS, (i) => run('runc', ['--root', runcRoot, 'run', '--bundle', bundle, `bench-${process.pid}-${i}`], { check: true }));
    const results = {};
    for (const start of [startDockerd, startWharfd]) {
      const d = await start();
      try {
        await new Promise((r) => setTimeout(r, 2000)); // let start-up settle before the idle RSS
        results[d.kind] = await measureDaemon(d, archive);
      } finally {
        await d.stop();
      }
    }
    const w = results.wharfd;
    const k = results.dockerd;
    const rows = [
      ['measure', 'dockerd', 'wharfd', 'wharfd/dockerd', 'target'],
      ['run --rm --network none true (median)', fmt.ms(median(k.runRm)), fmt.ms(median(w.runRm)), fmt.ratio(median(w.runRm) / median(k.runRm)), '≤ 0.5×'],
      ['  vs bare runc run (median ' + fmt.ms(median(runc)) + ')', '', '', `${fmt.ratio(median(w.runRm) / median(runc))} of runc`, '≤ 2×'],
      [`${DETACHED} detached starts (total)`, fmt.s(k.detached), fmt.s(w.detached), fmt.ratio(w.detached / k.detached), ''],
      ['exec CTR true (median)', fmt.ms(median(k.exec)), fmt.ms(median(w.exec)), fmt.ratio(median(w.exec) / median(k.exec)), '≤ 0.6×'],
      [`ps -a with ${PS_CONTAINERS} containers (median)`, fmt.ms(median(k.ps)), fmt.ms(median(w.ps)), fmt.ratio(median(w.ps) / median(k.ps)), '< 1×'],
      ['idle RSS (dockerd+containerd / wharfd)', fmt.mb(k.idleRss), fmt.mb(w.idleRss), fmt.ratio(w.idleRss / k.idleRss), '≤ 0.6×'],
    ];
    console.log(`docker client: ${DOCKER}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    printTable(rows);
    const file = await writeResults('containers', { runs: RUNS, runc, results });
    console.log(`results: ${file}`);
  } finally {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
