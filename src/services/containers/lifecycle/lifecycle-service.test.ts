/**
 * LifecycleService in-process over the real pieces (overlay snapshotter, runc, wharf-shim, file
 * store, the kernel's cgroups and mounts): the events it publishes and their order, the wait
 * conditions, restart policies and live restore by a second service on the same state. Only the
 * image lookup is a plain in-memory table (it is data, not a kernel facility).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxRootfs } from '../../../core/runtime/busybox-bundle.js';
import { createEventBus, type EventBus } from '../../../core/events/events.js';
import type { ImageRecord } from '../../../core/images/image-store.js';
import { isKind } from '../../../errdefs/index.js';
import type { Digest } from '../../../lib/digest.js';
import { runCommand } from '../../../lib/exec-file.js';
import { createLogger } from '../../../lib/logger.js';
import { FileContainerStore } from '../../../plugins/containers/file-container-store.js';
import { removeCgroupPath } from '../../../plugins/runtime/cgroups.js';
import { createOciRuntimeCli } from '../../../plugins/runtime/oci-runtime-cli.js';
import { OverlaySnapshotter } from '../../../plugins/snapshots/overlay-snapshotter.js';
import { readDaemonFacts } from '../oci-spec/daemon-facts.js';
import type { RuntimeEntry } from './lifecycle-context.js';
import { LifecycleService } from './lifecycle-service.js';
import { restoreContainers } from './live-restore.js';

const CHAIN = `sha256:${'b'.repeat(64)}` as Digest;
const IMAGE_ID = `sha256:${'a'.repeat(64)}` as Digest;

let dir: string;
let shimPath: string;
let snapshots: OverlaySnapshotter;
/** The service in use, so that a failed test leaves no container running behind it. */
let current: LifecycleService | undefined;
const cgroupParent = `/wharf-lc-test-${randomBytes(3).toString('hex')}`;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-lc-svc-'));
  shimPath = path.join(dir, 'wharf-shim');
  await runCommand('bash', [path.resolve(import.meta.dirname, '../../../../scripts/build-shim.sh'), shimPath]);
  snapshots = await OverlaySnapshotter.open(path.join(dir, 'overlay'));
  await snapshots.prepare('layer', undefined);
  await makeBusyboxRootfs(snapshots.writableDir('layer'));
  await snapshots.commit(CHAIN, 'layer');
});

after(async () => {
  for (const rec of current?.list() ?? []) await current?.remove(rec.id, { force: true }).catch(() => undefined);
  await current?.close();
  await removeCgroupPath(cgroupParent);
  await fs.rm(dir, { recursive: true, force: true });
});

const image: ImageRecord = {
  id: IMAGE_ID,
  configSize: 0,
  configMediaType: 'application/vnd.oci.image.config.v1+json',
  created: '',
  labels: null,
  layers: [{ diffID: CHAIN, chainID: CHAIN, size: 1, blob: { mediaType: 'x', digest: CHAIN, size: 1 } }],
  size: 1,
  lastTagTime: '',
};

async function open(events: EventBus): Promise<LifecycleService> {
  const execRoot = path.join(dir, 'exec');
  const root = path.join(execRoot, 'runtime', 'runc');
  const runtimes = new Map<string, RuntimeEntry>([['runc', { name: 'runc', binary: 'runc', root, runtime: createOciRuntimeCli({ binary: 'runc', root }) }]]);
  current = new LifecycleService({
    store: await FileContainerStore.open(path.join(dir, 'containers')),
    images: {
      resolve: (n) => {
        if (n !== 'bb') throw Object.assign(new Error(`No such image: ${n}`), { kind: 'NotFound' });
        return image;
      },
      get: (id) => (id === IMAGE_ID ? image : undefined),
      readConfig: async () => ({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [CHAIN] }, config: { Cmd: ['sh'], Env: ['PATH=/bin'] } }),
    },
    snapshots,
    runtimes,
    defaultRuntime: 'runc',
    events,
    log: createLogger('error'),
    facts: await readDaemonFacts({ cgroupParent }),
    execRoot,
    shimPath,
  });
  return current;
}

/** From now on, the actions published for a container, with the attributes asked for. */
function recorder(events: EventBus): (id: string) => string[] {
  const seen: Array<{ id: string; what: string }> = [];
  events.subscribe((e) => {
    const a = e.Actor?.Attributes ?? {};
    const extra = ['exitCode', 'signal', 'oldName'].filter((k) => k in a).map((k) => `${k}=${a[k]}`);
    seen.push({ id: e.Actor?.ID ?? '', what: [e.Action, ...extra].join(' ') });
  });
  return (id) => seen.filter((s) => s.id === id).map((s) => s.what);
}

describe('LifecycleService (runc, in-process)', () => {
  const events = createEventBus();
  let svc: LifecycleService;
  before(async () => {
    svc = await open(events);
  });

  it('publishes Docker’s events in Docker’s order with their attributes', async () => {
    const seen = recorder(events);
    const { Id: id } = await svc.create({ Image: 'bb', Cmd: ['sleep', '100'], Labels: { team: 'a' } }, 'ev');
    const waiting = svc.wait(id, 'next-exit');
    await svc.start(id);
    await svc.pause(id);
    await svc.unpause(id);
    await svc.rename(id, 'ev2');
    await svc.stop(id, 0);
    assert.deepEqual(await waiting, { StatusCode: 137, Error: null });
    await svc.remove(id);
    assert.deepEqual(seen(id), ['create', 'start', 'pause', 'unpause', 'rename oldName=/ev', 'kill signal=15', 'kill signal=9', 'die exitCode=137', 'stop', 'destroy']);
    const attrs = events.history().find((e) => e.Action === 'create' && e.Actor?.ID === id)?.Actor?.Attributes;
    assert.deepEqual(attrs, { image: 'bb', name: 'ev', team: 'a' });
  });

  it('waits: not-running at once when stopped, removed only at removal', async () => {
    const { Id: id } = await svc.create({ Image: 'bb', Cmd: ['sh', '-c', 'exit 6'] });
    assert.deepEqual(await svc.wait(id, 'not-running'), { StatusCode: 0, Error: null }, 'a created container is not running');
    const removed = svc.wait(id, 'removed');
    const nextExit = svc.wait(id, 'next-exit');
    await svc.start(id);
    assert.equal((await nextExit).StatusCode, 6);
    let done = false;
    void removed.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false, 'an exit is not a removal');
    await svc.remove(id);
    assert.deepEqual(await removed, { StatusCode: 6, Error: null });
    const ac = new AbortController();
    const { Id: other } = await svc.create({ Image: 'bb', Cmd: ['true'] });
    const canceled = svc.wait(other, 'removed', ac.signal);
    ac.abort();
    await assert.rejects(canceled, (e) => isKind(e, 'Canceled'));
    await svc.remove(other);
  });

  it('restarts `always` containers with backoff and stops doing so once stopped', async () => {
    const seen = recorder(events);
    const { Id: id } = await svc.create({ Image: 'bb', Cmd: ['true'], HostConfig: { RestartPolicy: { Name: 'always' } } });
    await svc.start(id);
    const deadline = Date.now() + 10_000;
    while (svc.get(id).restartCount < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(svc.get(id).restartCount >= 3, JSON.stringify({ rc: svc.get(id).restartCount, state: svc.get(id).state, ev: seen(id) }));
    await svc.stop(id, 1).catch((e) => assert.ok(isKind(e, 'NotModified')));
    const count = svc.get(id).restartCount;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(svc.get(id).restartCount, count, 'no restart after stop');
    assert.equal(svc.get(id).state.status, 'exited');
    // The first start, then one per restart that ran before the stop cancelled the next.
    assert.ok(seen(id).filter((s) => s === 'start').length >= 3, seen(id).join(', '));
    await svc.remove(id);
  });

  it('a second service on the same state restores a live container and its exit watch', async () => {
    const { Id: id } = await svc.create({ Image: 'bb', Cmd: ['sleep', '100'] });
    await svc.start(id);
    const pid = svc.get(id).state.pid;
    await svc.close();
    const events2 = createEventBus();
    const svc2 = await open(events2);
    (await restoreContainers(svc2))();
    assert.equal(svc2.get(id).state.status, 'running');
    assert.equal(svc2.get(id).state.pid, pid);
    await svc2.kill(id);
    assert.equal(svc2.get(id).state.status, 'exited');
    assert.equal(svc2.get(id).state.exitCode, 137);
    await svc2.remove(id);
    assert.equal(svc2.list().length, 0);
    const mounts = await fs.readFile('/proc/self/mountinfo', 'utf8');
    assert.deepEqual(mounts.split('\n').filter((l) => l.includes(dir)), [], 'no mount left under the test dir');
    svc = svc2;
  });
});

describe('runtime delete off the exit path (runc, in-process)', () => {
  let svc: LifecycleService;
  const stateOf = (id: string) => path.join(dir, 'exec', 'runtime', 'runc', id);
  const exists = (p: string) =>
    fs.access(p).then(
      () => true,
      () => false,
    );
  /** Runs `id` once to its exit (wait next-exit, answered when the exit is recorded). */
  async function runToExit(id: string): Promise<void> {
    const exited = svc.wait(id, 'next-exit');
    await svc.start(id);
    assert.equal((await exited).StatusCode, 0);
  }
  before(async () => {
    svc = await open(createEventBus());
  });
  after(async () => {
    for (const rec of svc.list()) await svc.remove(rec.id, { force: true });
  });

  it('reports the exit of a run in its own pid namespace before its runtime delete; a start of the id waits for that delete', async () => {
    const { Id: id } = await svc.create({ Image: 'bb', Cmd: ['true'] });
    await runToExit(id);
    assert.equal(svc.ctx.runtimeDeletes.has(id), true, 'the delete is still queued when the exit is reported');
    await svc.ctx.runtimeDeletes.settled(id);
    assert.equal(await exists(stateOf(id)), false, 'the background delete removed runc’s state');
    // A delete of the id pending when the next start comes (held by a gate here).
    const order: string[] = [];
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    await svc.ctx.runtimeDeletes.defer(id, async () => {
      await gate;
      order.push('delete');
    });
    const exited = svc.wait(id, 'next-exit');
    const started = svc.start(id).then(() => order.push('start'));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(order, [], 'the start waits for the pending delete');
    open();
    await started;
    assert.deepEqual(order, ['delete', 'start']);
    assert.equal((await exited).StatusCode, 0, 'the restarted run works');
    await svc.remove(id);
  });

  it('--pid host: the runtime delete runs before the exit is reported', async () => {
    const { Id: id } = await svc.create({ Image: 'bb', Cmd: ['true'], HostConfig: { PidMode: 'host' } });
    await runToExit(id);
    assert.equal(svc.ctx.runtimeDeletes.has(id), false, 'nothing deferred');
    assert.equal(await exists(stateOf(id)), false, 'runc’s state is gone when the exit is reported');
    await svc.remove(id);
  });

  it('close() drains the pending runtime deletes', async () => {
    const { Id: id } = await svc.create({ Image: 'bb', Cmd: ['true'] });
    await runToExit(id);
    assert.equal(svc.ctx.runtimeDeletes.has(id), true);
    await svc.close();
    assert.equal(svc.ctx.runtimeDeletes.size, 0);
    assert.equal(await exists(stateOf(id)), false);
  });
});
