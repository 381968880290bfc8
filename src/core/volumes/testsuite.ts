/**
 * The VolumeService conformance suite: Docker's names, messages and filters, references and
 * removal rules, prune at API 1.41, real mounts of options volumes on acquire, events, and state
 * surviving a restart. Needs root (it mounts tmpfs and binds).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import type { EventMessage } from '../../spec/engine/types.js';
import type { EventBus } from '../events/events.js';
import type { VolumeService } from './volume.js';

export interface VolumeServiceFixture {
  service: VolumeService;
  events: EventBus;
  /** A new service on the same state, as after a daemon restart. */
  reopen(): Promise<VolumeService>;
  cleanup(): Promise<void>;
}

/** The filesystem type mounted exactly at `target`, if any (from /proc/self/mountinfo). */
export async function mountTypeAt(target: string): Promise<string | undefined> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  let type: string | undefined;
  for (const line of info.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (f[4] === target && sep > 0) type = f[sep + 1]; // the last one stacked wins
  }
  return type;
}

const rejectsKind = (p: Promise<unknown>, kind: string, message: string) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(isKind(e, kind as never), `expected ${kind}, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });

export function runVolumeServiceSuite(name: string, factory: () => Promise<VolumeServiceFixture>): void {
  describe(`VolumeService conformance: ${name}`, () => {
    let fx: VolumeServiceFixture;
    let vs: VolumeService;
    let seen: EventMessage[];
    before(async () => {
      fx = await factory();
      vs = fx.service;
      seen = [];
      fx.events.subscribe((e) => seen.push(e));
    });
    after(() => fx.cleanup());

    it('creates named and anonymous volumes, returns an existing one, and refuses bad names as dockerd', async () => {
      const v = await vs.create({ name: 'data1', labels: { a: 'b' } });
      assert.equal(v.name, 'data1');
      assert.equal(v.driver, 'local');
      assert.match(v.mountpoint, /\/volumes\/data1\/_data$/);
      assert.match(v.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
      assert.deepEqual(v.labels, { a: 'b' });
      assert.equal(v.options, null);
      assert.equal(v.anonymous, false);
      assert.ok((await fs.stat(v.mountpoint)).isDirectory());
      const again = await vs.create({ name: 'data1', labels: { other: '1' } });
      assert.deepEqual(again.labels, { a: 'b' }, 'an existing volume is returned as it was');
      const anon = await vs.create({});
      assert.match(anon.name, /^[0-9a-f]{64}$/);
      assert.equal(anon.anonymous, true);
      assert.deepEqual(vs.get('data1'), v);
      assert.equal(vs.find('nosuch'), undefined);
      assert.throws(() => vs.get('nosuch'), (e: Error) => isKind(e, 'NotFound') && e.message === 'get nosuch: no such volume');
      await rejectsKind(vs.create({ name: 'x' }), 'InvalidArgument', 'create x: volume name is too short, names should be at least two alphanumeric characters');
      await rejectsKind(
        vs.create({ name: '../evil' }),
        'InvalidArgument',
        'create ../evil: "../evil" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
      );
      await rejectsKind(vs.create({ name: 'o1', driverOpts: { foo: 'bar' } }), 'InvalidArgument', 'create o1: invalid option: "foo"');
      await rejectsKind(vs.create({ name: 'o1', driverOpts: { type: 'tmpfs' } }), 'InvalidArgument', 'create o1: missing required option: "device"');
      await rejectsKind(vs.create({ name: 'o1', driver: 'nfsplug' }), 'NotFound', 'create o1: error looking up volume plugin nfsplug: plugin "nfsplug" not found');
      assert.equal(vs.find('o1'), undefined);
      await vs.remove(anon.name);
      const creates = seen.filter((e) => e.Type === 'volume' && e.Action === 'create' && e.Actor?.ID === 'data1');
      assert.equal(creates.length, 2, 'dockerd logs create for an existing volume too');
      assert.deepEqual(creates[0]!.Actor?.Attributes, { driver: 'local' });
    });

    it('filters lists as dockerd (dangling, driver, label, name) and refuses unknown filters', async () => {
      await vs.create({ name: 'flt-used', labels: { tier: 'db', x: '' } });
      await vs.create({ name: 'flt-free' });
      await vs.addRef('flt-used', 'c'.repeat(64));
      const names = (f: Record<string, string[]>) =>
        vs
          .list(new Map(Object.entries(f)))
          .map((v) => v.name)
          .filter((n) => n.startsWith('flt-'))
          .sort();
      assert.deepEqual(names({}), ['flt-free', 'flt-used']);
      assert.deepEqual(names({ dangling: ['true'] }), ['flt-free']);
      assert.deepEqual(names({ dangling: ['0'] }), ['flt-used']);
      assert.deepEqual(names({ label: ['tier=db'] }), ['flt-used']);
      assert.deepEqual(names({ label: ['x='] }), ['flt-used']);
      assert.deepEqual(names({ label: ['tier=web'] }), []);
      assert.deepEqual(names({ name: ['^flt-f'] }), ['flt-free']);
      assert.deepEqual(names({ driver: ['local'] }), ['flt-free', 'flt-used']);
      assert.deepEqual(names({ driver: ['loc'] }), []);
      assert.throws(() => vs.list(new Map([['dangling', ['maybe']]])), (e: Error) => isKind(e, 'InvalidArgument') && e.message === "Invalid filter 'dangling=[maybe]'");
      assert.throws(() => vs.list(new Map([['label!', ['a']]])), (e: Error) => e.message === "Invalid filter 'label!'");
      await vs.dropRef('flt-used', 'c'.repeat(64));
      await vs.remove('flt-used');
      await vs.remove('flt-free');
    });

    it('refuses to remove a referenced volume with dockerd 409 text, also with force', async () => {
      await vs.create({ name: 'refd', reference: 'a'.repeat(64) });
      await vs.addRef('refd', 'b'.repeat(64));
      await vs.addRef('refd', 'b'.repeat(64));
      assert.deepEqual(vs.refs('refd'), ['a'.repeat(64), 'b'.repeat(64)]);
      const msg = `remove refd: volume is in use - [${'a'.repeat(64)}, ${'b'.repeat(64)}]`;
      await rejectsKind(vs.remove('refd'), 'Conflict', msg);
      await rejectsKind(vs.remove('refd', { force: true }), 'Conflict', msg);
      await rejectsKind(vs.addRef('nosuch', 'a'), 'NotFound', 'get nosuch: no such volume');
      await vs.dropRef('refd', 'a'.repeat(64));
      await vs.dropRef('refd', 'b'.repeat(64));
      await vs.dropRef('nosuch', 'a');
      assert.deepEqual(vs.refs('refd'), []);
      await vs.remove('refd');
      await rejectsKind(vs.remove('refd'), 'NotFound', 'get refd: no such volume');
      await vs.remove('refd', { force: true });
      assert.ok(seen.some((e) => e.Action === 'destroy' && e.Actor?.ID === 'refd'));
    });

    it('prunes unreferenced volumes without options, named or anonymous (API 1.41), by label', async () => {
      await vs.create({ name: 'pr-named', labels: { keep: 'no' } });
      const anon = await vs.create({});
      await vs.create({ name: 'pr-used', reference: 'd'.repeat(64) });
      await vs.create({ name: 'pr-opts', driverOpts: { type: 'tmpfs', device: 'tmpfs' } });
      await fs.writeFile(path.join(vs.get('pr-named').mountpoint, 'f'), '12345');
      await assert.rejects(vs.prune(new Map([['all', ['true']]])), (e: Error) => e.message === "Invalid filter 'all'");
      const byLabel = await vs.prune(new Map([['label', ['keep=no']]]));
      assert.deepEqual(byLabel, { volumesDeleted: ['pr-named'], spaceReclaimed: 5 });
      const rest = await vs.prune();
      assert.ok(rest.volumesDeleted.includes(anon.name));
      assert.ok(!rest.volumesDeleted.includes('pr-used') && !rest.volumesDeleted.includes('pr-opts'));
      assert.ok(vs.find('pr-used') && vs.find('pr-opts'));
      assert.ok(seen.some((e) => e.Action === 'prune' && e.Actor?.ID === '' && e.Actor.Attributes?.reclaimed === '5'));
      await vs.dropRef('pr-used', 'd'.repeat(64));
      await vs.remove('pr-used');
      await vs.remove('pr-opts');
    });

    it('mounts a tmpfs volume on first acquire and unmounts on the last release', async () => {
      const v = await vs.create({ name: 'tmpv', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
      assert.equal(await mountTypeAt(v.mountpoint), undefined, 'not mounted before use');
      const c1 = '1'.repeat(64);
      const c2 = '2'.repeat(64);
      const { hostPath } = await vs.acquire('tmpv', c1, { event: { destination: '/t', readWrite: true, propagation: '' } });
      assert.equal(hostPath, v.mountpoint);
      assert.equal(await mountTypeAt(hostPath), 'tmpfs');
      await fs.writeFile(path.join(hostPath, 'f'), 'x');
      await vs.acquire('tmpv', c2);
      await vs.release('tmpv', c1, { event: true });
      assert.equal(await mountTypeAt(hostPath), 'tmpfs', 'still held by c2');
      await vs.release('tmpv', c2);
      await vs.release('tmpv', c2); // idempotent
      assert.equal(await mountTypeAt(hostPath), undefined);
      await assert.rejects(fs.stat(path.join(hostPath, 'f')), 'the tmpfs content went with the mount');
      const mount = seen.find((e) => e.Action === 'mount' && e.Actor?.ID === 'tmpv');
      assert.deepEqual(mount?.Actor?.Attributes, { driver: 'local', container: c1, destination: '/t', 'read/write': 'true', propagation: '' });
      const unmounts = seen.filter((e) => e.Action === 'unmount' && e.Actor?.ID === 'tmpv');
      assert.deepEqual(
        unmounts.map((e) => e.Actor?.Attributes),
        [{ driver: 'local', container: c1 }],
      );
      await rejectsKind(vs.acquire('nosuch', c1), 'NotFound', 'get nosuch: no such volume');
      await vs.remove('tmpv');
    });

    it('never deletes a bind-mounted host directory when removing its volume', async () => {
      const host = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-vol-host-'));
      try {
        await fs.writeFile(path.join(host, 'precious'), 'keep me');
        await vs.create({ name: 'bindv', driverOpts: { type: 'none', o: 'bind', device: host } });
        const { hostPath } = await vs.acquire('bindv', 'e'.repeat(64));
        assert.equal(await fs.readFile(path.join(hostPath, 'precious'), 'utf8'), 'keep me');
        await rejectsKind(vs.remove('bindv'), 'Internal', 'remove bindv: volume has active mounts');
        await vs.release('bindv', 'e'.repeat(64));
        await vs.remove('bindv');
        assert.equal(await fs.readFile(path.join(host, 'precious'), 'utf8'), 'keep me');
      } finally {
        await fs.rm(host, { recursive: true, force: true });
      }
    });

    it('keeps volumes and references across a restart; reconcile drops stale ones and unmounts orphans', async () => {
      const [live, gone, running] = ['7'.repeat(64), '8'.repeat(64), '9'.repeat(64)];
      await vs.create({ name: 'keepme', labels: { k: 'v' }, reference: live });
      await vs.addRef('keepme', gone);
      await vs.create({ name: 'tmp-run', driverOpts: { type: 'tmpfs', device: 'tmpfs' }, reference: running });
      await vs.create({ name: 'tmp-orphan', driverOpts: { type: 'tmpfs', device: 'tmpfs' }, reference: gone });
      const runPath = (await vs.acquire('tmp-run', running)).hostPath;
      const orphanPath = (await vs.acquire('tmp-orphan', gone)).hostPath;
      const before = vs.get('keepme');
      vs = await fx.reopen();
      assert.deepEqual(vs.get('keepme'), before);
      assert.deepEqual(vs.refs('keepme'), [live, gone]);
      await vs.reconcile({ existing: new Set([live, running]), running: new Set([running]) });
      assert.deepEqual(vs.refs('keepme'), [live]);
      assert.equal(await mountTypeAt(runPath), 'tmpfs', 'a running holder keeps its mount');
      assert.equal(await mountTypeAt(orphanPath), undefined, 'nobody running holds it: unmounted');
      await vs.release('tmp-run', running);
      assert.equal(await mountTypeAt(runPath), undefined, 'the restored holder releases it');
      vs = await fx.reopen();
      assert.deepEqual(vs.refs('keepme'), [live], 'the reconciled references were persisted');
      await vs.dropRef('keepme', live);
      await vs.dropRef('tmp-run', running);
      for (const n of ['keepme', 'tmp-run', 'tmp-orphan']) await vs.remove(n);
      const usage = await vs.usage();
      assert.deepEqual(usage, []);
    });

    it('reports usage (size, references) and leaves options volumes out as dockerd', async () => {
      await vs.create({ name: 'du1', reference: 'f'.repeat(64) });
      await vs.create({ name: 'du-opts', driverOpts: { type: 'tmpfs', device: 'tmpfs' } });
      const mp = vs.get('du1').mountpoint;
      await fs.writeFile(path.join(mp, 'a'), 'abc');
      await fs.link(path.join(mp, 'a'), path.join(mp, 'hardlink'));
      await fs.mkdir(path.join(mp, 'sub'));
      await fs.writeFile(path.join(mp, 'sub', 'b'), '1234567');
      const u = await vs.usage();
      assert.deepEqual(
        u.map((x) => [x.name, x.size, x.refCount]),
        [['du1', 10, 1]],
      );
      await vs.dropRef('du1', 'f'.repeat(64));
      await vs.remove('du1');
      await vs.remove('du-opts');
    });
  });
}
