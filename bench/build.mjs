#!/usr/bin/env node
// Build benchmark, wharfd side by side with the real dockerd's classic builder in one run (see
// bench/README.md). Both daemons build the same 6-step Dockerfile (ENV, WORKDIR, RUN, COPY of a
// directory, RUN, COPY of one file) on the same busybox image (bootstrapped by wharf, saved from
// wharfd and loaded into dockerd):
//   1. cold: `docker build --no-cache` (every step runs);
//   2. fully cached: the identical rebuild (every step from the cache);
//   3. after changing the last COPY's source: five steps cached, the last one rebuilt.
// Each is timed BENCH_BUILD_RUNS times (medians) with the docker CLI (DOCKER_BUILDKIT=0), the
// daemons alternating run by run. Prints a table with the ratios and writes
// bench/results/build-<date>.json. It measures; it never asserts.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO, startDockerd, startWharfd, stopAll, wharfDist } from './lib/daemons.mjs';
import { run } from './lib/proc.mjs';
import { fmt, median, printTable, timeOnce, writeResults } from './lib/timing.mjs';

const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 7);
const LIB_FILES = Number(process.env.BENCH_BUILD_FILES ?? 50);
const KINDS = (process.env.BENCH_DAEMONS ?? 'dockerd,wharfd').split(',').filter((k) => k === 'dockerd' || k === 'wharfd');
const log = (s) => process.stderr.write(`${s}\n`);

const DOCKERFILE = `FROM busybox
ENV APP=/app
WORKDIR /app
RUN echo building > /app/built && mkdir -p /app/data
COPY lib/ /app/lib/
RUN ls /app/lib | wc -l > /app/count
COPY main.txt /app/main.txt
`;

/** The build context: the Dockerfile, LIB_FILES small files in lib/, and main.txt. */
async function makeContext(dir) {
  await mkdir(path.join(dir, 'lib'), { recursive: true });
  await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
  for (let i = 0; i < LIB_FILES; i++) await writeFile(path.join(dir, 'lib', `mod${i}.txt`), `module ${i}\n`.repeat(20 + i));
  await writeFile(path.join(dir, 'main.txt'), 'main 0\n');
}

/** wharf-shim for the benchmarked wharfd: the repo's dist/ one, else built into `work`. */
async function shimPath(work) {
  const dist = path.join(REPO, 'dist/wharf-shim');
  if (existsSync(dist)) return dist;
  const out = path.join(work, 'wharf-shim');
  await run('bash', [path.join(REPO, 'scripts/build-shim.sh'), out], { check: true });
  return out;
}

/** busybox:latest in both daemons: bootstrapped into wharfd, saved from it, loaded into dockerd. */
async function prepareBase(daemons, work) {
  const w = daemons.wharfd ?? (await startWharfd());
  await run(process.execPath, [path.join(wharfDist(), 'cmd/wharf.js'), 'image', 'bootstrap', 'busybox'], { env: { ...process.env, WHARF_HOST: w.host }, check: true });
  const archive = path.join(work, 'busybox.tar');
  await w.docker(['save', '-o', archive, 'busybox:latest']);
  if (daemons.dockerd) await daemons.dockerd.docker(['load', '-q', '-i', archive]);
  if (!daemons.wharfd) await w.stop();
}

const build = (d, ctx, extra = []) => d.docker(['build', '-q', ...extra, '-t', 'bench/build:latest', ctx]);

/** One scenario: `prepare` (untimed) then the timed build, RUNS times per daemon, alternating. */
async function scenario(daemons, ctx, { name, prepare, extra }) {
  const samples = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (let i = 0; i < RUNS + 1; i++) {
    for (const kind of KINDS) {
      if (prepare) await prepare(daemons[kind], i);
      const t = await timeOnce(() => build(daemons[kind], ctx, extra));
      // The first run of each scenario warms the CLI and the daemon's caches: not counted.
      if (i > 0) samples[kind].push(t);
    }
  }
  const out = {};
  for (const kind of KINDS) out[kind] = { median: median(samples[kind]), samples: samples[kind] };
  log(`${name}: ${KINDS.map((k) => `${k} ${fmt.s(out[k].median)}`).join(', ')}`);
  return out;
}

/** The 1-minute load average, as printed and stored beside the ratios (they swing with it here). */
const load1 = () => Number(os.loadavg()[0].toFixed(2));

async function main() {
  log(`wharf under test: ${wharfDist()}`);
  const loadStart = load1();
  const work = await mkdtemp(path.join(os.tmpdir(), 'wharf-bench-build-'));
  const ctx = path.join(work, 'ctx');
  try {
    process.env.WHARF_SHIM_PATH = await shimPath(work);
    await makeContext(ctx);
    const daemons = {};
    for (const kind of KINDS) daemons[kind] = kind === 'wharfd' ? await startWharfd() : await startDockerd();
    await prepareBase(daemons, work);
    let n = 0;
    const cold = await scenario(daemons, ctx, { name: 'cold (--no-cache)', extra: ['--no-cache'] });
    const cached = await scenario(daemons, ctx, { name: 'fully cached', prepare: (d) => build(d, ctx) });
    const changed = await scenario(daemons, ctx, {
      name: 'last COPY changed',
      // A new main.txt per run (and per daemon): only the last step misses the cache.
      prepare: async (d) => {
        await build(d, ctx);
        await writeFile(path.join(ctx, 'main.txt'), `main ${++n}\n`);
      },
    });
    const both = KINDS.length === 2;
    const ratio = (r) => (both ? r.wharfd.median / r.dockerd.median : undefined);
    const ratios = both ? { cold: ratio(cold), cached: ratio(cached), lastCopyChanged: ratio(changed) } : undefined;
    console.log(`\nbuild benchmark (6 steps, ${LIB_FILES} files in lib/, ${RUNS} runs each, medians)\n`);
    const cell = (r, k) => (r[k] ? fmt.s(r[k].median) : '-');
    const rows = [['build', 'dockerd (classic)', 'wharfd', 'wharfd / dockerd time']];
    for (const [label, r] of [
      ['cold, 6 steps (--no-cache)', cold],
      ['fully cached rebuild', cached],
      ['rebuild after changing the last COPY', changed],
    ]) {
      rows.push([label, cell(r, 'dockerd'), cell(r, 'wharfd'), both ? fmt.ratio(ratio(r)) : '-']);
    }
    printTable(rows);
    const load = { start: loadStart, end: load1() };
    console.log(`\nload average (1 min): ${load.start} at the start, ${load.end} at the end (${os.cpus().length} cores)`);
    const file = await writeResults('build', { params: { RUNS, LIB_FILES, daemons: KINDS, wharfDist: wharfDist(), dockerfile: DOCKERFILE }, cold, cached, changed, ratios, load });
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
