#!/usr/bin/env node
// Image benchmarks, wharfd side by side with the real dockerd in one run (see bench/README.md):
//   1. `docker load -i` of a ~200 MB image in 5 layers (saved by the real dockerd) into a fresh
//      daemon, several runs each, median → MB/s and the wharfd/dockerd throughput ratio, with a
//      plain `tar -x` of the same layers as the reference;
//   2. `docker images` (and the raw `GET /images/json`) with 500 images present → medians and ratio.
// Prints a table and writes bench/results/images-<date>.json. It measures; it never asserts.
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startDockerd, startFresh, stopAll, wharfDist } from './lib/daemons.mjs';
import { makeBigImageArchive, makeManyImagesArchive } from './lib/image-gen.mjs';
import { run } from './lib/proc.mjs';
import { fmt, mbps, median, printTable, timeOnce, timeRuns, writeResults } from './lib/timing.mjs';

const env = (name, def) => Number(process.env[name] ?? def);
const LOAD_RUNS = env('BENCH_LOAD_RUNS', 5);
const LIST_RUNS = env('BENCH_LIST_RUNS', 20);
const SIZE_MB = env('BENCH_SIZE_MB', 200);
const LAYERS = env('BENCH_LAYERS', 5);
const IMAGES = env('BENCH_IMAGES', 500);
const SMALL_FILES = env('BENCH_SMALL_FILES', 200);
/** Which daemons to measure (both by default; one alone is handy while developing). */
const KINDS = (process.env.BENCH_DAEMONS ?? 'dockerd,wharfd').split(',').filter((k) => k === 'dockerd' || k === 'wharfd');
const log = (s) => process.stderr.write(`${s}\n`);

/** The image ID a daemon has for a reference (to check that every timed run really loaded it). */
async function imageId(d, ref) {
  return (await d.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
}

/** Makes the big image, loads it into a setup dockerd and saves it from there: the benchmark input. */
async function prepareBigImage(work) {
  log(`generating a ${SIZE_MB} MB image in ${LAYERS} layers (${SMALL_FILES} small files + 3 large per layer)`);
  const generated = await makeBigImageArchive({ workDir: work, archivePath: path.join(work, 'generated.tar'), totalBytes: SIZE_MB * 1e6, layers: LAYERS, smallFiles: SMALL_FILES, repoTag: 'bench/big:latest' });
  const d = await startDockerd();
  try {
    await d.docker(['load', '-i', generated.archivePath]);
    const saved = path.join(work, 'saved.tar');
    await d.docker(['save', '-o', saved, 'bench/big:latest']);
    return { saved, id: await imageId(d, 'bench/big:latest'), layersDir: generated.dir, layerSizes: generated.layerSizes };
  } finally {
    await d.stop();
    await rm(generated.archivePath, { force: true });
  }
}

/** `tar -x` of every layer into its own fresh directory, as a snapshotter unpacks them. */
async function benchTarExtract(work, big) {
  const manifest = JSON.parse(await readFile(path.join(big.layersDir, 'manifest.json'), 'utf8'));
  const layers = manifest[0].Layers.map((l) => path.join(big.layersDir, l));
  const bytes = big.layerSizes.reduce((a, b) => a + b, 0);
  const r = await timeRuns({
    runs: LOAD_RUNS,
    warmup: 1,
    setup: async (i) => {
      const dir = path.join(work, `x${i}`);
      for (let k = 0; k < layers.length; k++) await mkdir(path.join(dir, String(k)), { recursive: true });
      return dir;
    },
    fn: async (dir) => {
      for (const [k, l] of layers.entries()) await run('tar', ['-xf', l, '-C', path.join(dir, String(k))], { check: true });
    },
    teardown: async (dir) => {
      await rm(dir, { recursive: true, force: true });
      await run('sync', []);
    },
  });
  return { ...r, bytes, mbps: mbps(bytes, r.median) };
}

/** `docker load -i` into a fresh daemon per run; the daemon's start and stop are not timed. */
async function benchLoad(kind, big, bytes) {
  const r = await timeRuns({
    runs: LOAD_RUNS,
    warmup: 1,
    setup: () => startFresh(kind),
    fn: (d) => d.docker(['load', '-q', '-i', big.saved]),
    teardown: async (d) => {
      const id = await imageId(d, 'bench/big:latest');
      await d.stop();
      await run('sync', []);
      if (id !== big.id) throw new Error(`${kind} loaded ${id}, expected ${big.id}`);
    },
  });
  return { ...r, mbps: mbps(bytes, r.median) };
}

function getImagesJson(socketPath) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: '/v1.41/images/json', method: 'GET' }, (res) => {
      let n = 0;
      res.on('data', (c) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`GET /images/json: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `docker images` and raw `GET /images/json` with IMAGES images present. */
async function benchList(work) {
  log(`generating ${IMAGES} distinct images`);
  const many = await makeManyImagesArchive({ workDir: work, archivePath: path.join(work, 'many.tar'), count: IMAGES, prefix: 'bench/img' });
  const daemons = {};
  const out = {};
  try {
    for (const kind of KINDS) {
      const d = (daemons[kind] = await startFresh(kind));
      const t = await timeOnce(() => d.docker(['load', '-q', '-i', many.archivePath]));
      const n = (await d.docker(['images', '-q'])).stdout.trim().split('\n').length;
      if (n < IMAGES) throw new Error(`${kind} lists ${n} images after loading ${IMAGES}`);
      out[kind] = { setupLoadSeconds: t, imagesListed: n };
      log(`${kind}: ${n} images loaded in ${fmt.s(t)}`);
    }
    // Alternate the daemons run by run so drift (cache, CPU frequency) hits both alike.
    const cli = Object.fromEntries(KINDS.map((k) => [k, []]));
    const api = Object.fromEntries(KINDS.map((k) => [k, []]));
    for (let i = 0; i < LIST_RUNS + 3; i++) {
      for (const kind of KINDS) {
        const d = daemons[kind];
        const c = await timeOnce(() => d.docker(['images']));
        const a = await timeOnce(() => getImagesJson(d.socketPath));
        if (i >= 3) {
          cli[kind].push(c);
          api[kind].push(a);
        }
      }
    }
    for (const kind of KINDS) out[kind] = { ...out[kind], cliMedian: median(cli[kind]), apiMedian: median(api[kind]), cliSamples: cli[kind], apiSamples: api[kind] };
    return out;
  } finally {
    for (const d of Object.values(daemons)) await d.stop();
  }
}

async function main() {
  log(`wharf under test: ${wharfDist()}`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'wharf-bench-'));
  try {
    const big = await prepareBigImage(work);
    const bytes = (await stat(big.saved)).size;
    log(`saved by dockerd: ${fmt.mb(bytes)}, layers ${big.layerSizes.map(fmt.mb).join(', ')}`);
    const tarX = await benchTarExtract(work, big);
    log(`tar -x: ${fmt.mbps(tarX.mbps)}`);
    const load = {};
    for (const kind of KINDS) {
      load[kind] = await benchLoad(kind, big, bytes);
      log(`${kind} load: ${fmt.s(load[kind].median)} (${fmt.mbps(load[kind].mbps)})`);
    }
    const list = await benchList(work);
    const both = KINDS.length === 2;
    const cell = (kind, f) => (KINDS.includes(kind) ? f() : '-');
    const ratios = both
      ? {
          loadThroughputWharfdOverDockerd: load.wharfd.mbps / load.dockerd.mbps,
          imagesCliSpeedup: list.dockerd.cliMedian / list.wharfd.cliMedian,
          imagesApiSpeedup: list.dockerd.apiMedian / list.wharfd.apiMedian,
        }
      : undefined;
    console.log(`\nimages benchmark (${LOAD_RUNS} load runs, ${LIST_RUNS} list runs, medians)\n`);
    printTable([
      ['measure', 'dockerd', 'wharfd', 'wharfd vs dockerd', 'reference'],
      [
        `load ${fmt.mb(bytes)} (${LAYERS} layers)`,
        cell('dockerd', () => fmt.mbps(load.dockerd.mbps)),
        cell('wharfd', () => fmt.mbps(load.wharfd.mbps)),
        ratios ? `${fmt.ratio(ratios.loadThroughputWharfdOverDockerd)} throughput` : '-',
        `tar -x ${fmt.mbps(tarX.mbps)}`,
      ],
      [
        `docker images (${IMAGES} images)`,
        cell('dockerd', () => fmt.ms(list.dockerd.cliMedian)),
        cell('wharfd', () => fmt.ms(list.wharfd.cliMedian)),
        ratios ? `${fmt.ratio(ratios.imagesCliSpeedup)} faster` : '-',
        '',
      ],
      [
        `GET /images/json (${IMAGES} images)`,
        cell('dockerd', () => fmt.ms(list.dockerd.apiMedian)),
        cell('wharfd', () => fmt.ms(list.wharfd.apiMedian)),
        ratios ? `${fmt.ratio(ratios.imagesApiSpeedup)} faster` : '-',
        '',
      ],
    ]);
    const file = await writeResults('images', {
      params: { LOAD_RUNS, LIST_RUNS, SIZE_MB, LAYERS, SMALL_FILES, IMAGES, daemons: KINDS, wharfDist: wharfDist() },
      archiveBytes: bytes,
      layerBytes: big.layerSizes,
      tarExtract: tarX,
      load,
      list,
      ratios,
    });
    console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
  } finally {
    await stopAll();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
