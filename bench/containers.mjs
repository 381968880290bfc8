#!/usr/bin/env node
// Containers benchmark (issue 3): wharfd vs the real dockerd (+ containerd) in one run, and bare
// `runc run` as the floor. Measures:
//   1. `docker run --rm --network none busybox true` latency (median)
//   2. 50 detached starts (`run -d --network none busybox sleep 600`), total time
//   3. `docker exec CTR true` latency (median)
//   4. `docker ps -a` with 200 containers present (median)
//   5. idle RSS of the daemon(s) with no containers (wharfd alone; dockerd + its containerd)
// Both daemons run side by side and their samples are interleaved (dockerd, wharfd, dockerd, …)
// so that load drifting on a shared machine hits both alike. Prints ratios; never asserts.
// See bench/README.md.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DOCKER, startDockerd, startWharfd, stopAll, wharfDist } from './lib/daemons.mjs';
import { run, runToExit } from './lib/proc.mjs';
import { fmt, median, printTable, timeOnce, writeResults } from './lib/timing.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const DETACHED = Number(process.env.BENCH_DETACHED ?? 50);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 300);
const PS_CONTAINERS = Number(process.env.BENCH_PS_CONTAINERS ?? 200);
const RUNC = process.env.BENCH_RUNC ?? 'runc';
/** A second compiled tree (e.g. a build of the previous commit) measured beside wharfd: an A/B. */
const COMPARE_DIST = process.env.BENCH_COMPARE_DIST;

process.on('SIGINT', () => stopAll().then(() => process.exit(130)));

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

async function busyboxArchive(dir) {
  const file = path.join(dir, 'busybox.tar');
  await run(process.execPath, [path.join(wharfDist(), 'cmd/wharf.js'), 'image', 'bootstrap', 'busybox', '-o', file], { check: true });
  return file;
}

/**
 * VmRSS in bytes of a pid and, recursively, its children (dockerd starts containerd as a child).
 * Children are listed per thread (`task/<tid>/children`): a Go program forks from whichever
 * thread runs the goroutine, so every thread's list is read. (Reading only the main thread's
 * missed containerd whenever another thread had started it: dockerd + containerd then read
 * ~75 MB instead of ~112 MB.)
 */
async function treeRss(pid) {
  let total = 0;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (m) total += Number(m[1]) * 1024;
  const tids = await readdir(`/proc/${pid}/task`).catch(() => []);
  const children = new Set();
  for (const tid of tids) {
    const list = (await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')).trim();
    for (const c of list ? list.split(/\s+/) : []) children.add(Number(c));
  }
  for (const c of children) total += await treeRss(c);
  return total;
}

/** The busybox rootfs of the archive, extracted for the bare-runtime floors. */
async function extractRootfs(dir, archive) {
  const rootfs = path.join(dir, 'rootfs');
  const x = path.join(dir, 'x');
  await run('mkdir', ['-p', rootfs, x], { check: true });
  await run('tar', ['-xf', archive, '-C', x], { check: true });
  const manifest = JSON.parse(await readFile(path.join(x, 'manifest.json'), 'utf8'));
  for (const layer of manifest[0].Layers) await run('tar', ['-xf', path.join(x, layer), '-C', rootfs], { check: true });
  return rootfs;
}

/** `runc spec`'s minimal config (no seccomp, default caps, few mounts) on the busybox rootfs. */
async function minimalBundle(dir, rootfs) {
  const bundle = path.join(dir, 'bundle-min');
  await run('mkdir', ['-p', bundle], { check: true });
  await run(RUNC, ['spec', '--bundle', bundle], { check: true });
  const cfgPath = path.join(bundle, 'config.json');
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
  cfg.root = { path: rootfs, readonly: true };
  cfg.process.terminal = false;
  cfg.process.args = ['true'];
  await writeFile(cfgPath, JSON.stringify(cfg));
  return bundle;
}

/**
 * The floor, "a bare `runc run` of the same bundle": the config.json wharfd generated
 * for `run --network none busybox` (Docker's seccomp profile, capabilities, masked paths,
 * cgroup, /etc files), taken from a running container's bundle (wharfd's exec-root layout,
 * `b/<12 of id>/config.json`), with its rootfs pointed at the extracted image and its
 * /etc bind sources copied, so runc does exactly the work it does under wharfd.
 */
async function sameBundle(dir, rootfs, w) {
  const bundle = path.join(dir, 'bundle-same');
  await run('mkdir', ['-p', bundle], { check: true });
  const id = (await w.docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '600'])).stdout.trim();
  try {
    const cfg = JSON.parse(await readFile(path.join(w.dir, 'exec', 'b', id.slice(0, 12), 'config.json'), 'utf8'));
    cfg.root = { path: rootfs, readonly: false };
    cfg.process.args = ['true'];
    for (const m of cfg.mounts) {
      if (m.type !== 'bind' || !m.source.includes(id)) continue;
      const copy = path.join(bundle, path.basename(m.source));
      await writeFile(copy, await readFile(m.source));
      m.source = copy;
    }
    cfg.linux.cgroupsPath = `/wharf-bench-${process.pid}`;
    await writeFile(path.join(bundle, 'config.json'), JSON.stringify(cfg));
  } finally {
    await w.docker(['rm', '-f', id]);
  }
  return bundle;
}

/**
 * The other floor figure, "a bare runc create+start+delete": the three commands an
 * engine's shim runs (containerd's do), on the same bundle. The delete waits for the container
 * to have stopped (`true` has, by the time a second Go program started), never kills it.
 */
async function runcCreateStartDelete(root, bundle, id) {
  await runToExit(RUNC, ['--root', root, 'create', '--bundle', bundle, id], { check: true });
  await run(RUNC, ['--root', root, 'start', id], { check: true });
  for (let i = 0; ; i++) {
    const r = await run(RUNC, ['--root', root, 'delete', id]);
    if (r.code === 0) return;
    if (i === 100 || !/running/.test(r.stderr)) throw new Error(`runc delete ${id}: ${r.stderr.trim()}`);
    await new Promise((res) => setTimeout(res, 1));
  }
}

/**
 * Runs `fn(subject, i)` for every subject in turn, `n` times; samples in seconds per subject.
 * With `settle`, waits SETTLE_MS after each sample: what a subject still does after it answered
 * (dockerd's and containerd's cleanup after `run --rm`, wharfd's background runtime delete, the
 * exited runc processes) then does not land in the next subject's sample. BENCH_SETTLE_MS=0
 * measures them back to back instead.
 */
async function interleaved(n, subjects, fn, settle = false) {
  const out = Object.fromEntries(subjects.map((s) => [s.kind, []]));
  for (let i = 0; i < n; i++) {
    for (const s of subjects) {
      out[s.kind].push(await timeOnce(() => fn(s, i)));
      if (settle && SETTLE_MS > 0) await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
  }
  return out;
}

/**
 * The ratio of each round's pair (wharfd and the floor run one after the other in the same
 * round): median and quartiles. Beside the ratio of the medians, it shows how much of the spread
 * is the machine's speed drifting between rounds (which moves both) and how much is wharfd's.
 */
function pairedRatios(xs, ys) {
  const r = xs.map((x, i) => x / ys[i]).sort((a, b) => a - b);
  const q = (f) => r[Math.min(r.length - 1, Math.floor(f * r.length))];
  return `${fmt.ratio(median(r))} (${fmt.ratio(q(0.25))}–${fmt.ratio(q(0.75))})`;
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-bench-ctr-'));
  const loadBefore = load();
  try {
    const archive = await busyboxArchive(dir);
    const rootfs = await extractRootfs(dir, archive);
    const runcRoot = path.join(dir, 'runc-root');
    const daemons = [await startDockerd(), await startWharfd()];
    if (COMPARE_DIST) {
      // daemons.mjs reads WHARF_DIST when it starts a wharfd.
      const own = process.env.WHARF_DIST;
      process.env.WHARF_DIST = COMPARE_DIST;
      const b = await startWharfd();
      if (own === undefined) delete process.env.WHARF_DIST;
      else process.env.WHARF_DIST = own;
      b.kind = 'wharfd-b';
      daemons.push(b);
    }
    // Idle RSS: the median of three samples a second apart, once start-up has settled.
    const idleSamples = Object.fromEntries(daemons.map((d) => [d.kind, []]));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, i === 0 ? 2000 : 1000));
      for (const d of daemons) idleSamples[d.kind].push(await treeRss(d.pid));
    }
    const idleRss = {};
    for (const d of daemons) idleRss[d.kind] = idleSamples[d.kind].sort((a, b) => a - b)[1];
    for (const d of daemons) await d.docker(['load', '-q', '-i', archive]);
    const w = daemons.find((d) => d.kind === 'wharfd');
    const floors = [
      { kind: 'runc-min', bundle: await minimalBundle(dir, rootfs) },
      { kind: 'runc-same', bundle: await sameBundle(dir, rootfs, w) },
    ];
    floors.push({ kind: 'runc-csd', bundle: floors[1].bundle, csd: true });
    const runRm = ['run', '--rm', '--network', 'none', 'busybox', 'true'];
    for (const d of daemons) await d.docker(runRm); // warm-up
    const subjects = [...daemons, ...floors];
    const runRmSamples = await interleaved(
      RUNS,
      subjects,
      (s, i) => {
        if (s.docker) return s.docker(runRm);
        const id = `bench-${process.pid}-${s.kind}-${i}`;
        return s.csd ? runcCreateStartDelete(runcRoot, s.bundle, id) : run(RUNC, ['--root', runcRoot, 'run', '--bundle', s.bundle, id], { check: true });
      },
      true,
    );
    const detached = await interleaved(1, daemons, async (d) => {
      for (let i = 0; i < DETACHED; i++) await d.docker(['run', '-d', '--network', 'none', '--name', `bd${i}`, 'busybox', 'sleep', '600']);
    });
    for (const d of daemons) await d.docker(['exec', 'bd0', 'true']); // warm-up
    const exec = await interleaved(RUNS, daemons, (d) => d.docker(['exec', 'bd0', 'true']), true);
    for (const d of daemons) {
      const ids = (await d.docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
      await d.docker(['rm', '-f', ...ids]);
      for (let i = 0; i < PS_CONTAINERS; i++) await d.docker(['create', '--network', 'none', 'busybox', 'true']);
      await d.docker(['ps', '-a']);
    }
    const ps = await interleaved(RUNS, daemons, (d) => d.docker(['ps', '-a']));
    const loadAfter = load();

    const m = (xs) => median(xs);
    const [k, wh] = [runRmSamples.dockerd, runRmSamples.wharfd];
    const rows = [
      ['measure', 'dockerd', 'wharfd', 'wharfd/dockerd', 'target'],
      ['run --rm --network none true (median)', fmt.ms(m(k)), fmt.ms(m(wh)), fmt.ratio(m(wh) / m(k)), '≤ 0.5×'],
      [`  vs bare runc run, same bundle (${fmt.ms(m(runRmSamples['runc-same']))})`, '', '', `${fmt.ratio(m(wh) / m(runRmSamples['runc-same']))} of runc`, '≤ 2×'],
      [`  same, per round (wharfd_i / runc_i): median, quartiles`, '', '', pairedRatios(wh, runRmSamples['runc-same']), ''],
      [`  vs bare runc create + start + delete, same bundle (${fmt.ms(m(runRmSamples['runc-csd']))})`, '', '', `${fmt.ratio(m(wh) / m(runRmSamples['runc-csd']))} of runc`, ''],
      [`  vs bare runc run, runc spec (${fmt.ms(m(runRmSamples['runc-min']))})`, '', '', `${fmt.ratio(m(wh) / m(runRmSamples['runc-min']))} of runc`, ''],
      [`${DETACHED} detached starts (total)`, fmt.s(detached.dockerd[0]), fmt.s(detached.wharfd[0]), fmt.ratio(detached.wharfd[0] / detached.dockerd[0]), ''],
      ['exec CTR true (median)', fmt.ms(m(exec.dockerd)), fmt.ms(m(exec.wharfd)), fmt.ratio(m(exec.wharfd) / m(exec.dockerd)), '≤ 0.6×'],
      [`ps -a with ${PS_CONTAINERS} containers (median)`, fmt.ms(m(ps.dockerd)), fmt.ms(m(ps.wharfd)), fmt.ratio(m(ps.wharfd) / m(ps.dockerd)), '< 1×'],
      ['idle RSS (dockerd+containerd / wharfd)', fmt.mb(idleRss.dockerd), fmt.mb(idleRss.wharfd), fmt.ratio(idleRss.wharfd / idleRss.dockerd), '≤ 0.6×'],
    ];
    if (COMPARE_DIST) {
      const b = (x, y) => fmt.ratio(m(x) / m(y));
      rows.push(
        [`B = ${COMPARE_DIST}`, '', 'B', 'B/dockerd', 'wharfd/B'],
        ['run --rm (median)', '', fmt.ms(m(runRmSamples['wharfd-b'])), b(runRmSamples['wharfd-b'], k), b(wh, runRmSamples['wharfd-b'])],
        [`${DETACHED} detached starts`, '', fmt.s(detached['wharfd-b'][0]), fmt.ratio(detached['wharfd-b'][0] / detached.dockerd[0]), fmt.ratio(detached.wharfd[0] / detached['wharfd-b'][0])],
        ['exec (median)', '', fmt.ms(m(exec['wharfd-b'])), b(exec['wharfd-b'], exec.dockerd), b(exec.wharfd, exec['wharfd-b'])],
        ['idle RSS', '', fmt.mb(idleRss['wharfd-b']), fmt.ratio(idleRss['wharfd-b'] / idleRss.dockerd), fmt.ratio(idleRss.wharfd / idleRss['wharfd-b'])],
      );
    }
    console.log(`docker client: ${DOCKER}; ${RUNS} samples, ${SETTLE_MS} ms settle between samples; load average before ${loadBefore}, after ${loadAfter}`);
    printTable(rows);
    const file = await writeResults('containers', { runs: RUNS, settleMs: SETTLE_MS, loadBefore, loadAfter, idleRss, idleSamples, runRm: runRmSamples, detached, exec, ps });
    console.log(`results: ${file}`);
  } finally {
    await stopAll();
    await run(RUNC, ['--root', path.join(dir, 'runc-root'), 'list', '-q']).then(async (r) => {
      for (const id of r.stdout.split('\n').filter(Boolean)) await run(RUNC, ['--root', path.join(dir, 'runc-root'), 'delete', '-f', id]);
    });
    await run('sh', ['-c', `for h in /sys/fs/cgroup/*/wharf-bench-${process.pid}; do [ -d "$h" ] && rmdir "$h"; done; true`]);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
