/**
 * Live restore: kill -9 wharfd (and a clean SIGTERM shutdown) with running, exited, exiting and
 * `--restart always` containers; a new wharfd on the same paths finds every one with its right
 * state, keeps the live ones running and controllable, records exits that happened while it was
 * down, and brings the `always` one back.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { run, type TestDaemon } from '../helpers/wharfd.js';
import { cgroupsOf, cleanupFixture, eventually, mountsOf, shimsOf, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}\n--- daemon log ---\n${d.logs().slice(-3000)}`);
  return r.stdout.trim();
}

const state = (d: TestDaemon, name: string) => ok(d, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}', name]);
const pidOf = async (d: TestDaemon, name: string) => Number(await ok(d, ['inspect', '-f', '{{.State.Pid}}', name]));
const alive = (pid: number) =>
  fs.access(`/proc/${pid}`).then(
    () => true,
    () => false,
  );

describe('live restore after kill -9 and SIGTERM of wharfd', () => {
  let d: TestDaemon | undefined;
  after(async () => {
    if (!d) return;
    const ids = (await d.docker(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await d.docker(['rm', '-f', ...ids]);
    await d.destroy();
  });

  it('keeps running containers, records exits that happened while down, restarts `always` ones', async () => {
    d = await startDaemonWithBusybox();
    await ok(d, ['run', '-d', '--name', 'r-run', '--init', 'busybox', 'sleep', '1000']);
    await ok(d, ['run', '-d', '--name', 'r-exited', 'busybox', 'sh', '-c', 'exit 4']);
    await ok(d, ['run', '-d', '--name', 'r-later', 'busybox', 'sh', '-c', 'sleep 1.5; exit 7']);
    await ok(d, ['run', '-d', '--name', 'r-always', '--restart', 'always', 'busybox', 'sleep', '1000']);
    await ok(d, ['create', '--name', 'r-created', 'busybox', 'true']);
    await ok(d, ['run', '-d', '--name', 'r-health', '--health-cmd', 'true', '--health-interval', '1s', 'busybox', 'sleep', '1000']);
    await eventually(async () => (await state(d!, 'r-exited')) === 'exited 4 0', 'r-exited has exited');
    await eventually(async () => (await ok(d!, ['inspect', '-f', '{{.State.Health.Status}}', 'r-health'])).trim() === 'healthy', 'r-health is healthy');
    const runPid = await pidOf(d, 'r-run');
    const alwaysPid = await pidOf(d, 'r-always');

    await d.kill();
    // While the daemon is down: r-later exits on its own, r-always's process is killed.
    process.kill(alwaysPid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(await alive(runPid), 'the container outlives the daemon');

    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    assert.equal(await state(d, 'r-run'), 'running 0 0');
    assert.equal(await pidOf(d, 'r-run'), runPid, 'the same process, not a restart');
    assert.equal(await state(d, 'r-exited'), 'exited 4 0');
    assert.equal(await state(d, 'r-later'), 'exited 7 0', 'the exit while the daemon was down is recorded');
    assert.equal(await state(d, 'r-created'), 'created 0 0');
    await eventually(async () => (await state(d!, 'r-always')).startsWith('running'), 'r-always is back');
    assert.notEqual(await pidOf(d, 'r-always'), alwaysPid);
    // The healthcheck of a container that kept running is probed again.
    const restarted = new Date().toISOString();
    await eventually(async () => {
      const starts = (await ok(d!, ['inspect', '-f', '{{range .State.Health.Log}}{{.Start}} {{end}}', 'r-health'])).trim().split(' ');
      return (starts.at(-1) ?? '') > restarted;
    }, 'r-health is probed after the restart');

    // Controllable: stop through the re-armed exit watch, inspect, start again.
    await ok(d, ['stop', 'r-run']);
    assert.equal(await state(d, 'r-run'), 'exited 143 0');
    await ok(d, ['start', 'r-run']);
    assert.equal((await state(d, 'r-run')).split(' ')[0], 'running');
    const ps = await ok(d, ['ps', '--format', '{{.Names}}']);
    assert.deepEqual(ps.split('\n').sort(), ['r-always', 'r-health', 'r-run']);
  });

  it('a SIGTERM shutdown leaves containers running; they are found again', async () => {
    assert.ok(d);
    const pid = await pidOf(d, 'r-run');
    assert.equal(await d.stop(), 0);
    assert.ok(await alive(pid), 'containers keep running across a clean shutdown');
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    assert.equal(await pidOf(d, 'r-run'), pid);
    await ok(d, ['kill', 'r-run']);
    assert.equal(await state(d, 'r-run'), 'exited 137 0');
  });

  it('leaves nothing behind once every container is removed', async () => {
    assert.ok(d);
    const ids = (await ok(d, ['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
    await ok(d, ['rm', '-f', ...ids]);
    assert.deepEqual(await mountsOf(d), []);
    assert.deepEqual(await cgroupsOf(ids), []);
    await eventually(async () => (await shimsOf(d!)).length === 0, 'no shim is left');
  });
});

describe('a create cut short by kill -9 of wharfd', () => {
  let d: TestDaemon | undefined;
  after(async () => {
    if (d) await d.destroy();
  });

  it('leaves nothing at the next start: its snapshot, bundle dir and a rootfs still mounted for copy-up go', async () => {
    d = await startDaemonWithBusybox();
    const id = await ok(d, ['create', '--name', 'half', 'busybox', 'true']);
    const snapshotsJson = path.join(d.dataRoot, 'overlay', 'metadata.json');
    assert.match(await fs.readFile(snapshotsJson, 'utf8'), new RegExp(id), 'the container has its snapshot');
    await d.kill();
    // The record is written last: without it, this is what a kill -9 mid-create leaves, with the
    // rootfs mounted as for the image-VOLUME copy-up (a tmpfs stands in for the overlay).
    await fs.rm(path.join(d.dataRoot, 'containers', id), { recursive: true, force: true });
    const rootfs = path.join(d.execRoot, 'b', id.slice(0, 12), 'rootfs');
    await fs.mkdir(rootfs, { recursive: true });
    const m = await run('mount', ['-t', 'tmpfs', 'tmpfs', rootfs]);
    assert.equal(m.code, 0, m.stderr);
    assert.equal((await mountsOf(d)).length, 1);

    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    assert.deepEqual(await mountsOf(d), [], 'the copy-up mount is gone');
    await assert.rejects(fs.access(path.dirname(rootfs)), 'the bundle dir is gone');
    assert.doesNotMatch(await fs.readFile(snapshotsJson, 'utf8'), new RegExp(id), 'its snapshot is removed');
    assert.match(d.logs(), /removing what an interrupted create or removal left/);
    assert.equal(await ok(d, ['ps', '-aq']), '');
    // The name is free again and a container runs.
    assert.equal(await ok(d, ['run', '--rm', '--name', 'half', '--network', 'none', 'busybox', 'echo', 'ok']), 'ok');
  });
});
