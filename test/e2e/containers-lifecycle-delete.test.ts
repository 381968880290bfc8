/**
 * The runtime's delete of a finished run, taken off the exit path (release-run.ts,
 * runtime-delete-queue.ts), through the real docker CLI against a private wharfd with runc:
 * `run --rm` still leaves nothing once the daemon stops (its shutdown drains the queue), a start
 * of the same container right after its run works, `--pid host` keeps the synchronous
 * `delete --force` (which kills what the init left), and the runtime state a `kill -9` cut
 * short is deleted at the next start-up.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxRootfs, minimalSpec, writeBundleConfig } from '../../src/core/runtime/busybox-bundle.js';
import { run, type TestDaemon } from '../helpers/wharfd.js';
import { cgroupsOf, cleanupFixture, eventually, mountsOf, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}\n--- daemon log ---\n${d.logs().slice(-3000)}`);
  return r.stdout.trim();
}

const runcRoot = (d: TestDaemon) => path.join(d.execRoot, 'runtime', 'runc');

/** The ids runc still has state for under the daemon's private root. */
async function runcIds(d: TestDaemon): Promise<string[]> {
  const r = await run('runc', ['--root', runcRoot(d), 'list', '-q']);
  return r.stdout.split('\n').filter(Boolean);
}

/** Pids of processes whose command line is exactly `argv`. */
async function processesRunning(argv: string[]): Promise<number[]> {
  const want = `${argv.join('\0')}\0`;
  const pids: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if ((await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')) === want) pids.push(Number(name));
  }
  return pids;
}

describe('runtime delete after a run ends (runc)', () => {
  let d: TestDaemon | undefined;
  let wrapperDir: string | undefined;
  /** The runc commands the daemon ran (through a logging wrapper first on its PATH). */
  const runcCalls = async () => (await fs.readFile(path.join(wrapperDir!, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  before(async () => {
    wrapperDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-runc-wrap-'));
    const real = (await run('sh', ['-c', 'command -v runc'])).stdout.trim();
    const wrapper = path.join(wrapperDir, 'runc');
    await fs.writeFile(wrapper, `#!/bin/sh\necho "$*" >> ${path.join(wrapperDir, 'calls')}\nexec ${real} "$@"\n`, { mode: 0o755 });
    d = await startDaemonWithBusybox({ env: { ...process.env, PATH: `${wrapperDir}:${process.env.PATH ?? ''}` } });
  });
  after(async () => {
    if (d) {
      await removeAllContainers(d);
      await d.destroy();
    }
    if (wrapperDir) await fs.rm(wrapperDir, { recursive: true, force: true });
  });

  it('run --rm in its own pid namespace: runc runs the container once and is never asked to delete it', async () => {
    assert.ok(d);
    const cidfile = path.join(d.dir, 'cid-own-ns');
    const before = (await runcCalls()).length;
    await ok(d, ['run', '--rm', '--cidfile', cidfile, '--network', 'none', 'busybox', 'true']);
    const id = (await fs.readFile(cidfile, 'utf8')).trim();
    await eventually(async () => !(await runcIds(d!)).includes(id), 'runc has no state for it');
    assert.deepEqual(await cgroupsOf([id]), []);
    const calls = (await runcCalls()).slice(before).filter((c) => c.includes(id));
    // The daemon deletes the stopped container's runc state itself (runc-state.ts).
    assert.deepEqual(calls.map((c) => c.split(' ').find((w) => ['run', 'create', 'start', 'delete', 'kill'].includes(w))), ['run']);
  });

  it('a start right after the run ended (same id) works: it waits for the pending delete', async () => {
    assert.ok(d);
    await ok(d, ['run', '--name', 'again', '--network', 'none', 'busybox', 'true']);
    // Each run's delete is queued when `run`/`start -a` returns; the next start follows at once.
    for (let i = 0; i < 4; i++) assert.equal(await ok(d, ['start', '-a', 'again']), '');
    await ok(d, ['restart', 'again']);
    await eventually(async () => (await ok(d!, ['inspect', '-f', '{{.State.Status}}', 'again'])) === 'exited', 'the restarted run ended');
    assert.match(await ok(d, ['inspect', '-f', '{{.State.ExitCode}}:{{.State.Error}}', 'again']), /^0:$/);
    await ok(d, ['rm', 'again']);
    assert.doesNotMatch(d.logs(), /runtime delete failed|runc create failed|already exists/);
  });

  it('--pid host: runc’s state, and what the init left running, are gone when run returns', async () => {
    assert.ok(d);
    const marker = ['sleep', '2345'];
    const id = await ok(d, ['create', '--pid', 'host', '--network', 'none', 'busybox', 'sh', '-c', `${marker.join(' ')} & exit 0`]);
    // start -a returns once the exit is recorded, which with --pid host includes `delete --force`.
    await ok(d, ['start', '-a', id]);
    assert.equal((await runcIds(d)).includes(id), false, 'runc has no state for it');
    assert.deepEqual(await processesRunning(marker), [], 'runc delete --force killed the orphaned sleep');
    assert.ok((await runcCalls()).some((c) => c.includes(`delete --force ${id}`)), 'runc’s own delete --force ran');
    await ok(d, ['rm', id]);
  });

  it('run --rm: the daemon’s stop drains the deletes still queued; nothing is left', async () => {
    assert.ok(d);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const cidfile = path.join(d.dir, `cid-${i}`);
      await ok(d, ['run', '--rm', '--cidfile', cidfile, '--network', 'none', 'busybox', 'true']);
      ids.push((await fs.readFile(cidfile, 'utf8')).trim());
    }
    assert.equal(await ok(d, ['ps', '-aq']), '', 'every --rm container is gone from the API');
    // Stopped at once: deletes of the last runs may still be queued.
    assert.equal(await d.stop(), 0);
    assert.deepEqual(await runcIds(d), [], 'no runc state left');
    assert.deepEqual(await mountsOf(d), []);
    assert.deepEqual(await cgroupsOf(ids), []);
    assert.doesNotMatch(d.logs(), /background runtime delete failed/);
  });
});

describe('runtime state a kill -9 left behind', () => {
  let d: TestDaemon | undefined;
  let scratch: string | undefined;
  after(async () => {
    if (d) await d.destroy();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('is deleted at the next start-up when no live run accounts for it', async () => {
    d = await startDaemonWithBusybox({ load: false });
    await d.kill();
    // What a killed daemon's queued delete leaves: a stopped runc container of a removed record,
    // in the daemon's own runtime root and cgroup parent.
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-orphan-'));
    await makeBusyboxRootfs(path.join(scratch, 'rootfs'));
    const id = 'f'.repeat(64);
    await writeBundleConfig(scratch, minimalSpec(['true'], { cgroupsPath: `/wharf/${id}` }));
    const created = await run('runc', ['--root', runcRoot(d), 'run', '--detach', '--bundle', scratch, id]);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(await runcIds(d), [id]);

    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    await eventually(async () => (await runcIds(d!)).length === 0, 'the start-up sweep deleted the orphan');
    await eventually(async () => (await cgroupsOf([id])).length === 0, 'its cgroups are gone');
    assert.match(d.logs(), /deleting runtime state left by an earlier daemon/);
  });
});
