/**
 * Shared by the container lifecycle e2e tests: a private wharfd with a busybox image loaded, the
 * shim binary (dist/wharf-shim, else built once into a temp dir), and the leak checks every test
 * ends with (no mounts, cgroups or shims of the daemon left behind).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, run, startWharfd, type TestDaemon } from '../helpers/wharfd.js';

let shimReady: Promise<string> | undefined;
let archiveReady: Promise<string> | undefined;
const scratch = fs.mkdtemp(path.join(os.tmpdir(), 'wharf-lc-fixture-'));

/** The wharf-shim to run: dist's when built, else one compiled for this test process. */
export function shimBinary(): Promise<string> {
  shimReady ??= (async () => {
    const dist = path.join(REPO, 'dist/wharf-shim');
    if (process.env.WHARF_USE_DIST === '1' && (await exists(dist))) return dist;
    const out = path.join(await scratch, 'wharf-shim');
    const r = await run('bash', [path.join(REPO, 'scripts/build-shim.sh'), out]);
    if (r.code !== 0) throw new Error(`building the shim failed: ${r.stderr}`);
    return out;
  })();
  return shimReady;
}

/** A docker-save archive of busybox:latest, made once from the host's busybox-static. */
export function busyboxArchive(): Promise<string> {
  archiveReady ??= (async () => {
    const { bootstrapImage } = await import('../../src/services/bootstrap/bootstrap-image.js');
    const { fileImageLoader } = await import('../../src/services/bootstrap/image-loader.js');
    const file = path.join(await scratch, 'busybox.tar');
    await bootstrapImage('busybox', { loader: fileImageLoader(file), env: process.env });
    return file;
  })();
  return archiveReady;
}

/** Removes the fixture's temp dir (the built shim and the archive). */
export async function cleanupFixture(): Promise<void> {
  await fs.rm(await scratch, { recursive: true, force: true });
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/** A private wharfd using our shim, with busybox:latest loaded. */
/** `docker rm -f` of every container the daemon has (a test's teardown, before destroy). */
export async function removeAllContainers(d: TestDaemon): Promise<void> {
  const ids = (await d.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  if (ids.length) await d.docker(['rm', '-f', ...ids]);
}

export async function startDaemonWithBusybox(opts: { dir?: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv; load?: boolean } = {}): Promise<TestDaemon> {
  process.env.WHARF_SHIM_PATH = await shimBinary();
  const d = await startWharfd(opts);
  if (opts.load !== false) {
    const r = await d.docker(['load', '-i', await busyboxArchive()]);
    if (r.code !== 0) throw new Error(`docker load failed: ${r.stderr}`);
  }
  return d;
}

/** Mount points under the daemon's data or exec root (from /proc/self/mountinfo). */
export async function mountsOf(d: TestDaemon): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp.startsWith(d.dataRoot) || mp.startsWith(d.execRoot));
}

/** wharf-shim processes working for this daemon (their --state-dir is under its exec root). */
export async function shimsOf(d: TestDaemon): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('wharf-shim') && cmd.includes(`${d.execRoot}/`)) pids.push(Number(name));
  }
  return pids;
}

/** Cgroup directories of these containers left in any v1 hierarchy (or cgroup2's unified). */
export async function cgroupsOf(ids: string[]): Promise<string[]> {
  const left: string[] = [];
  for (const h of await fs.readdir('/sys/fs/cgroup')) {
    for (const id of ids) {
      const dir = path.join('/sys/fs/cgroup', h, 'wharf', id);
      if (await exists(dir)) left.push(dir);
    }
  }
  return left;
}

/** Polls `cond` every 50 ms until true, or throws naming `what` after `ms`. */
export async function eventually(cond: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
