#!/usr/bin/env node
// Distribution benchmarks, side by side in one run (see bench/README.md): `docker push` and
// `docker pull` of a ~200 MB image (5 layers of incompressible content) between an engine and a
// registry on 127.0.0.1, for
//   dockerd + docker-registry   (the reference)
//   wharfd  + docker-registry
//   wharfd  + wharf registry
// Each push goes to a fresh, empty registry (so every layer is really uploaded); each pull
// starts with the image removed from the engine and pulls what dockerd pushed to that registry
// (the same bytes for every engine). Medians → MB/s of the image's layer bytes, and ratios to
// dockerd + docker-registry. Prints a table and writes bench/results/distribution-<date>.json.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDockerd, startWharfd, stopAll } from './lib/daemons.mjs';
import { makeBigImageArchive } from './lib/image-gen.mjs';
import { startRegistry, stopRegistries } from './lib/registries.mjs';
import { fmt, mbps, printTable, timeRuns, writeResults } from './lib/timing.mjs';

const env = (name, def) => Number(process.env[name] ?? def);
const RUNS = env('BENCH_DIST_RUNS', 3);
const SIZE_MB = env('BENCH_SIZE_MB', 200);
const LAYERS = env('BENCH_LAYERS', 5);
const SMALL_FILES = env('BENCH_SMALL_FILES', 200);
const SETUPS = (process.env.BENCH_SETUPS ?? 'dockerd+docker-registry,wharfd+docker-registry,wharfd+wharf').split(',');
const log = (s) => process.stderr.write(`${s}\n`);
const REF = 'bench/big:latest';

/** One engine+registry pairing: push to fresh registries, pull from one dockerd filled. */
async function measure(setup, archive, bytes) {
  const [engineKind, registryKind] = setup.split('+');
  const engine = engineKind === 'dockerd' ? await startDockerd() : await startWharfd();
  try {
    await engine.docker(['load', '-i', archive]);
    const push = await timeRuns({
      runs: RUNS,
      warmup: 0,
      setup: async () => {
        const reg = await startRegistry(registryKind);
        const name = `${reg.host}/bench/big:1`;
        await engine.docker(['tag', REF, name]);
        return { reg, name };
      },
      fn: ({ name }) => engine.docker(['push', name]),
      teardown: async ({ reg, name }) => {
        await engine.docker(['rmi', name]);
        await reg.stop();
      },
    });
    log(`  ${setup} push: ${push.samples.map((s) => fmt.s(s)).join(', ')}`);
    const pull = await pullRuns(engine, registryKind, archive);
    log(`  ${setup} pull: ${pull.samples.map((s) => fmt.s(s)).join(', ')}`);
    return { setup, push: { ...push, mbps: mbps(bytes, push.median) }, pull: { ...pull, mbps: mbps(bytes, pull.median) } };
  } finally {
    await engine.stop();
  }
}

/** A registry holding the image as dockerd pushed it (same layer bytes for every engine). */
async function registryFilledByDockerd(registryKind, archive) {
  const reg = await startRegistry(registryKind);
  const d = await startDockerd();
  try {
    await d.docker(['load', '-i', archive]);
    await d.docker(['tag', REF, `${reg.host}/bench/big:1`]);
    await d.docker(['push', `${reg.host}/bench/big:1`]);
  } finally {
    await d.stop();
  }
  return reg;
}

async function pullRuns(engine, registryKind, archive) {
  const reg = await registryFilledByDockerd(registryKind, archive);
  const name = `${reg.host}/bench/big:1`;
  try {
    // The loaded copy shares the layers: remove it so every pull downloads all of them.
    await engine.docker(['rmi', REF]);
    return await timeRuns({
      runs: RUNS,
      warmup: 0,
      fn: () => engine.docker(['pull', name]),
      teardown: () => engine.docker(['rmi', name]),
    });
  } finally {
    await reg.stop();
  }
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'wharf-bdist-'));
  try {
    log(`generating a ${SIZE_MB} MB image in ${LAYERS} layers`);
    const big = await makeBigImageArchive({ workDir: work, archivePath: path.join(work, 'big.tar'), totalBytes: SIZE_MB * 1e6, layers: LAYERS, smallFiles: SMALL_FILES, repoTag: REF });
    const bytes = big.layerSizes.reduce((a, b) => a + b, 0);
    const results = [];
    for (const s of SETUPS) {
      log(`measuring ${s}`);
      results.push(await measure(s, big.archivePath, bytes));
    }
    const ref = results.find((r) => r.setup === 'dockerd+docker-registry');
    const rows = [['setup', 'push', 'push ratio', 'pull', 'pull ratio']];
    for (const r of results) {
      rows.push([r.setup, fmt.mbps(r.push.mbps), ref ? fmt.ratio(r.push.mbps / ref.push.mbps) : '-', fmt.mbps(r.pull.mbps), ref ? fmt.ratio(r.pull.mbps / ref.pull.mbps) : '-']);
    }
    console.log(`\nimage: ${fmt.mb(bytes)} of layers in ${LAYERS} layers, ${RUNS} runs each (medians)\n`);
    printTable(rows);
    console.log('\ntargets: push ≥ 2× dockerd+docker-registry, pull ≥ 1×');
    const file = await writeResults('distribution', { params: { RUNS, SIZE_MB, LAYERS, SMALL_FILES, bytes }, results });
    console.log(`results: ${path.relative(process.cwd(), file)}`);
  } finally {
    await Promise.all([stopAll(), stopRegistries()]);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
