#!/usr/bin/env node
// Distribution benchmarks, side by side in one run (see bench/README.md): `docker push` and
// `docker pull` of a ~200 MB image (5 layers of incompressible content) between an engine and a
// registry on 127.0.0.1, for
//   dockerd + docker-registry   (the reference)
//   wharfd  + docker-registry
//   wharfd  + wharf registry
// Runs are interleaved (run 1 of every setup, then run 2, …) so that the load of a shared
// machine drifting over time hits every setup alike. Each push goes to a fresh, empty registry
// (every layer really uploaded); each pull starts with the image absent from the engine and
// pulls what dockerd pushed to a registry of that kind (the same bytes for every engine).
// Medians → MB/s of the image's layer bytes, and ratios to dockerd + docker-registry. Prints a
// table and writes bench/results/distribution-<date>.json.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDockerd, startWharfd, stopAll } from './lib/daemons.mjs';
import { makeBigImageArchive } from './lib/image-gen.mjs';
import { startRegistry, stopRegistries } from './lib/registries.mjs';
import { fmt, mbps, median, printTable, timeOnce, writeResults } from './lib/timing.mjs';

const env = (name, def) => Number(process.env[name] ?? def);
const RUNS = env('BENCH_DIST_RUNS', 3);
const SIZE_MB = env('BENCH_SIZE_MB', 200);
const LAYERS = env('BENCH_LAYERS', 5);
const SMALL_FILES = env('BENCH_SMALL_FILES', 200);
const SETUPS = (process.env.BENCH_SETUPS ?? 'dockerd+docker-registry,wharfd+docker-registry,wharfd+wharf').split(',').map((s) => {
  const [engine, registry] = s.split('+');
  return { name: s, engine, registry };
});
const DIRECTIONS = new Set((process.env.BENCH_DIRECTIONS ?? 'push,pull').split(','));
const log = (s) => process.stderr.write(`${s}\n`);
const REF = 'bench/big:latest';

/**
 * CPU seconds (user + system) a process and its reaped children have used so far, from /proc
 * (clock ticks of 10 ms). The children count: dockerd unpacks every layer in a re-executed
 * child (`docker-untar`, comm `exe`), whose CPU the parent's own utime/stime never shows.
 */
async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * Wall time of `fn`, and the engine's CPU time meanwhile: on a shared machine the wall time
 * swings with other load, the CPU an engine spends on the same work much less.
 */
async function measured(engine, fn) {
  const cpu0 = await cpuSeconds(engine.pid);
  const wall = await timeOnce(fn);
  return { wall, cpu: (await cpuSeconds(engine.pid)) - cpu0 };
}

/** One timed push of the loaded image to a fresh registry of `setup.registry`. */
async function pushOnce(engine, setup) {
  const reg = await startRegistry(setup.registry);
  const name = `${reg.host}/bench/big:1`;
  try {
    await engine.docker(['tag', REF, name]);
    return await measured(engine, () => engine.docker(['push', name]));
  } finally {
    await engine.docker(['rmi', name]);
    await reg.stop();
  }
}

/** A registry of `kind` holding the image as dockerd pushed it. */
async function filledRegistry(dockerd, kind) {
  const reg = await startRegistry(kind);
  await dockerd.docker(['tag', REF, `${reg.host}/bench/big:1`]);
  await dockerd.docker(['push', `${reg.host}/bench/big:1`]);
  await dockerd.docker(['rmi', `${reg.host}/bench/big:1`]);
  return reg;
}

/** One timed pull into an engine that has none of the image's layers. */
async function pullOnce(engine, reg) {
  const name = `${reg.host}/bench/big:1`;
  try {
    return await measured(engine, () => engine.docker(['pull', name]));
  } finally {
    await engine.docker(['rmi', name]);
  }
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'wharf-bdist-'));
  try {
    log(`generating a ${SIZE_MB} MB image in ${LAYERS} layers`);
    const big = await makeBigImageArchive({ workDir: work, archivePath: path.join(work, 'big.tar'), totalBytes: SIZE_MB * 1e6, layers: LAYERS, smallFiles: SMALL_FILES, repoTag: REF });
    const bytes = big.layerSizes.reduce((a, b) => a + b, 0);
    const engines = { dockerd: await startDockerd(), wharfd: await startWharfd() };
    for (const e of Object.values(engines)) await e.docker(['load', '-i', big.archivePath]);
    const samples = Object.fromEntries(SETUPS.map((s) => [s.name, { push: [], pull: [] }]));
    for (let i = 0; i < (DIRECTIONS.has('push') ? RUNS : 0); i++) {
      for (const s of SETUPS) {
        const t = await pushOnce(engines[s.engine], s);
        samples[s.name].push.push(t);
        log(`  run ${i + 1} ${s.name} push: ${fmt.s(t.wall)} (engine CPU ${fmt.s(t.cpu)})`);
      }
    }
    if (!DIRECTIONS.has('pull')) return finish(samples, bytes);
    const sources = {};
    for (const kind of new Set(SETUPS.map((s) => s.registry))) sources[kind] = await filledRegistry(engines.dockerd, kind);
    // From here on no engine has the image: every pull downloads every layer.
    for (const e of Object.values(engines)) await e.docker(['rmi', REF]);
    for (let i = 0; i < RUNS; i++) {
      for (const s of SETUPS) {
        const t = await pullOnce(engines[s.engine], sources[s.registry]);
        samples[s.name].pull.push(t);
        log(`  run ${i + 1} ${s.name} pull: ${fmt.s(t.wall)} (engine CPU ${fmt.s(t.cpu)})`);
      }
    }
    await finish(samples, bytes);
  } finally {
    await Promise.all([stopAll(), stopRegistries()]);
    await rm(work, { recursive: true, force: true });
  }
}

async function finish(samples, bytes) {
  report(samples, bytes);
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`load average at the end: ${load}`);
  const file = await writeResults('distribution', { params: { RUNS, SIZE_MB, LAYERS, SMALL_FILES, bytes, loadavg: os.loadavg() }, samples });
  console.log(`results: ${path.relative(process.cwd(), file)}`);
}

function report(samples, bytes) {
  const rate = (xs) => (xs.length ? mbps(bytes, median(xs.map((x) => x.wall))) : Number.NaN);
  const cpu = (xs) => median(xs.map((x) => x.cpu));
  const ref = samples['dockerd+docker-registry'];
  const rows = [['setup', 'push', 'push ratio', 'push CPU', 'pull', 'pull ratio', 'pull CPU']];
  for (const [name, s] of Object.entries(samples)) {
    const ratio = (k) => (ref ? fmt.ratio(rate(s[k]) / rate(ref[k])) : '-');
    rows.push([name, fmt.mbps(rate(s.push)), ratio('push'), fmt.s(cpu(s.push)), fmt.mbps(rate(s.pull)), ratio('pull'), fmt.s(cpu(s.pull))]);
  }
  console.log(`\nimage: ${fmt.mb(bytes)} of layers in ${LAYERS} layers, ${RUNS} interleaved runs each (medians)\n`);
  printTable(rows);
  console.log('\ntargets: push ≥ 2× dockerd+docker-registry, pull ≥ 1× (ratios of wall-time throughput; CPU = engine CPU seconds per operation, its child processes included)');
}

await main();
