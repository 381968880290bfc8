// Timing and reporting helpers. Benchmarks measure and print ratios; they never assert on time.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './daemons.mjs';

/** Median of numbers (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time of one async call, in seconds. */
export async function timeOnce(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/**
 * Times `fn` `runs` times after `warmup` untimed runs; `setup`/`teardown` run around each call,
 * untimed. Returns every sample and their median, in seconds.
 */
export async function timeRuns({ runs, warmup = 0, setup, fn, teardown }) {
  const samples = [];
  for (let i = 0; i < warmup + runs; i++) {
    const ctx = setup ? await setup(i) : undefined;
    try {
      const s = await timeOnce(() => fn(ctx, i));
      if (i >= warmup) samples.push(s);
    } finally {
      if (teardown) await teardown(ctx, i);
    }
  }
  return { samples, median: median(samples) };
}

/** Megabytes (10^6 bytes) per second. */
export function mbps(bytes, seconds) {
  return bytes / 1e6 / seconds;
}

export const fmt = {
  s: (x) => `${x.toFixed(3)} s`,
  ms: (x) => `${(x * 1000).toFixed(1)} ms`,
  mbps: (x) => `${x.toFixed(1)} MB/s`,
  ratio: (x) => `${x.toFixed(2)}×`,
  mb: (bytes) => `${(bytes / 1e6).toFixed(1)} MB`,
};

/** Prints rows as an aligned table. */
export function printTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) console.log(r.map((v, c) => String(v).padEnd(widths[c])).join('  '));
}

/** Writes results to bench/results/<name>-<date>.json (git-ignored) with the machine's facts. */
export async function writeResults(name, data) {
  const dir = path.join(REPO, 'bench/results');
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const file = path.join(dir, `${name}-${stamp}.json`);
  const machine = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() };
  await writeFile(file, `${JSON.stringify({ name, date: new Date().toISOString(), machine, ...data }, null, 2)}\n`);
  return file;
}
