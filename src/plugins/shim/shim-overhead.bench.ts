/**
 * Measures what the shim costs (a benchmark script, not a test):
 *   node --import tsx src/plugins/shim/shim-overhead.bench.ts [runc|crun] [iterations]
 * - latency of create + start + exit + delete of a busybox `true` container through the shim
 *   (spawnShim → attach → `runtime start` → exit frame → `runtime delete`), the same with
 *   `--start` (spawnShim start → attach → exit frame → end of the start window → `runtime
 *   delete`, what wharfd does), against a bare foreground `runtime run` of the same bundle;
 *   median of N (default 20), interleaved;
 * - the shim's resident memory while it watches a running container (pipes and tty).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bindFreeControllersToV1 } from '../runtime/cgroups.js';
import { attachShim, endStartWindow } from './attach-shim.js';
import { buildShim, createShimFixture, type ShimFixture } from './shim-fixture.js';
import { spawnShim } from './spawn-shim.js';

const runtime = process.argv[2] ?? 'runc';
const iterations = Number(process.argv[3] ?? 20);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function viaShim(fx: ShimFixture): Promise<number> {
  const c = await fx.container(['true']);
  const t0 = performance.now();
  await spawnShim({ shimPath: fx.shimPath, id: c.id, bundle: c.bundle, runtime, runtimeRoot: fx.runtimeRoot, stateDir: c.stateDir, log: { path: c.logPath } });
  const conn = await attachShim(c.stateDir);
  const exited = new Promise((resolve) => conn.onExit(resolve));
  const started = await fx.runtimeCmd('start', c.id);
  if (started.code !== 0) throw new Error(started.stderr);
  await exited;
  await fx.runtimeCmd('delete', c.id);
  return performance.now() - t0;
}

async function viaShimStart(fx: ShimFixture): Promise<number> {
  const c = await fx.container(['true']);
  const t0 = performance.now();
  const o = { shimPath: fx.shimPath, id: c.id, bundle: c.bundle, runtime, runtimeRoot: fx.runtimeRoot, stateDir: c.stateDir };
  await spawnShim({ ...o, log: { path: c.logPath }, start: true });
  const conn = await attachShim(c.stateDir);
  const exited = new Promise((resolve) => conn.onExit(resolve));
  await endStartWindow(c.stateDir);
  await exited;
  await fx.runtimeCmd('delete', c.id);
  return performance.now() - t0;
}

async function bare(fx: ShimFixture): Promise<number> {
  const c = await fx.container(['true']);
  const t0 = performance.now();
  const r = await fx.runtimeCmd('run', '--bundle', c.bundle, c.id);
  if (r.code !== 0) throw new Error(r.stderr);
  return performance.now() - t0;
}

async function rssKiB(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)![1]);
}

async function shimRss(fx: ShimFixture, tty: boolean): Promise<number> {
  const c = await fx.container(['sleep', '30'], { tty });
  const { shimPid } = await spawnShim({
    shimPath: fx.shimPath,
    id: c.id,
    bundle: c.bundle,
    runtime,
    runtimeRoot: fx.runtimeRoot,
    stateDir: c.stateDir,
    tty,
    stdin: tty,
    log: { path: c.logPath },
  });
  const conn = await attachShim(c.stateDir);
  await fx.runtimeCmd('start', c.id);
  await new Promise((r) => setTimeout(r, 200));
  const rss = await rssKiB(shimPid);
  await fx.runtimeCmd('kill', c.id, 'KILL');
  await new Promise((resolve) => conn.onExit(resolve));
  return rss;
}

await bindFreeControllersToV1();
const buildDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-shim-bench-'));
const fx = await createShimFixture(runtime, await buildShim(path.join(buildDir, 'wharf-shim')));
try {
  await viaShim(fx); // warm the page cache for every path
  await viaShimStart(fx);
  await bare(fx);
  const shim: number[] = [];
  const shimStart: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < iterations; i++) {
    shim.push(await viaShim(fx));
    shimStart.push(await viaShimStart(fx));
    plain.push(await bare(fx));
  }
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`${runtime}: create+start+exit+delete via shim, median of ${iterations}: ${ms(median(shim))}`);
  console.log(`${runtime}: run --detach+exit+delete via shim (--start), median of ${iterations}: ${ms(median(shimStart))}`);
  console.log(`${runtime}: bare '${runtime} run', median of ${iterations}: ${ms(median(plain))}`);
  console.log(`${runtime}: overhead ${ms(median(shim) - median(plain))} (${(median(shim) / median(plain)).toFixed(2)}x)`);
  console.log(`${runtime}: overhead with --start ${ms(median(shimStart) - median(plain))} (${(median(shimStart) / median(plain)).toFixed(2)}x)`);
  console.log(`shim RSS while watching a container: pipes ${await shimRss(fx, false)} KiB, tty ${await shimRss(fx, true)} KiB`);
} finally {
  await fx.cleanup();
  await fs.rm(buildDir, { recursive: true, force: true });
}
