import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSnapshotterSuite } from '../../core/snapshots/testsuite.js';
import { isKind } from '../../errdefs/index.js';
import { isMountpoint, mountAll, unmountAll } from './mount.js';
import { OverlaySnapshotter } from './overlay-snapshotter.js';

const roots: string[] = [];
async function tmpRoot(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-sn-'));
  roots.push(d);
  return d;
}
after(async () => {
  for (const d of roots) await fs.rm(d, { recursive: true, force: true });
});

runSnapshotterSuite('OverlaySnapshotter', async () => {
  const root = await tmpRoot();
  return {
    snapshotter: await OverlaySnapshotter.open(root),
    reopen: () => OverlaySnapshotter.open(root),
    mount: mountAll,
    unmount: unmountAll,
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
});

const selfModule = fileURLToPath(new URL(`./overlay-snapshotter${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Checks the invariants a crash must never break. */
async function assertConsistent(root: string): Promise<number> {
  const index = JSON.parse(await fs.readFile(path.join(root, 'metadata.json'), 'utf8')) as {
    snapshots: Record<string, { id: number; kind: string; parent?: string }>;
  };
  const recs = Object.entries(index.snapshots);
  const ids = new Set(recs.map(([, r]) => String(r.id)));
  assert.equal(ids.size, recs.length, 'ids are unique');
  for (const [key, r] of recs) {
    assert.ok((await fs.stat(path.join(root, 'snapshots', String(r.id), 'fs'))).isDirectory(), `${key} has its fs dir`);
    assert.ok((await fs.stat(path.join(root, 'snapshots', String(r.id), 'work'))).isDirectory(), `${key} has its work dir`);
    if (r.parent !== undefined) assert.equal(index.snapshots[r.parent]?.kind, 'committed', `${key}'s parent ${r.parent} is committed`);
  }
  assert.deepEqual((await fs.readdir(path.join(root, 'snapshots'))).sort(), [...ids].sort(), 'no temp or orphan directories');
  return recs.length;
}

describe('OverlaySnapshotter specifics', () => {
  it('lays snapshots out as snapshots/<numeric id>/{fs,work} and mounts overlays top-first', async () => {
    const root = await tmpRoot();
    const sn = await OverlaySnapshotter.open(root);
    assert.deepEqual(await sn.prepare('a'), [{ type: 'bind', source: path.join(root, 'snapshots/1/fs'), options: ['rw', 'rbind'] }]);
    await sn.commit('A', 'a');
    await sn.prepare('b', 'A');
    await sn.commit('B', 'b');
    const m = await sn.prepare('c', 'B');
    assert.deepEqual(m, [
      {
        type: 'overlay',
        source: 'overlay',
        options: [`workdir=${root}/snapshots/3/work`, `upperdir=${root}/snapshots/3/fs`, `lowerdir=${root}/snapshots/2/fs:${root}/snapshots/1/fs`],
      },
    ]);
    assert.deepEqual(await sn.view('v', 'B'), [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${root}/snapshots/2/fs:${root}/snapshots/1/fs`] }]);
  });

  it('stacks an init layer right above the parents: in mounts and lowerDirs, kept on reopen, never inherited through a commit', async () => {
    const root = await tmpRoot();
    const init = path.join(root, 'init');
    await fs.mkdir(init);
    await fs.writeFile(path.join(init, '.dockerenv'), '');
    const sn = await OverlaySnapshotter.open(root);
    await sn.prepare('a');
    await fs.writeFile(path.join(sn.writableDir('a'), 'img'), 'x');
    await sn.commit('A', 'a');
    const m = await sn.prepare('ctr', 'A', {}, { initLayer: init });
    assert.deepEqual(m[0]?.options, [`workdir=${root}/snapshots/2/work`, `upperdir=${root}/snapshots/2/fs`, `lowerdir=${init}:${root}/snapshots/1/fs`]);
    assert.deepEqual(await (await OverlaySnapshotter.open(root)).lowerDirs('ctr'), [init, `${root}/snapshots/1/fs`]);
    // Without parents the init layer alone is the lower: still an overlay, the upper rw.
    const lone = await sn.prepare('lone', undefined, {}, { initLayer: init });
    assert.deepEqual(lone[0]?.options, [`workdir=${root}/snapshots/3/work`, `upperdir=${root}/snapshots/3/fs`, `lowerdir=${init}`]);
    const target = path.join(root, 'rootfs');
    await fs.mkdir(target);
    await mountAll(m, target);
    try {
      assert.deepEqual((await fs.readdir(target)).sort(), ['.dockerenv', 'img']);
    } finally {
      await unmountAll(target);
    }
    await sn.commit('C', 'ctr');
    await sn.prepare('child', 'C');
    assert.deepEqual(await sn.lowerDirs('child'), [`${root}/snapshots/2/fs`, `${root}/snapshots/1/fs`]);
  });

  it('a lazy removal not waited for: gone for later operations at once, its files kept until deleteAfter, even under a mounted overlay', async () => {
    const root = await tmpRoot();
    const sn = await OverlaySnapshotter.open(root);
    await sn.prepare('base');
    await fs.writeFile(path.join(sn.writableDir('base'), 'f'), 'x');
    await sn.commit('B', 'base');
    const mounts = await sn.prepare('ctr', 'B');
    const upper = sn.writableDir('ctr');
    await fs.writeFile(path.join(upper, 'mine'), 'y');
    const target = path.join(root, 'rootfs');
    await fs.mkdir(target);
    await mountAll(mounts, target);
    let unmount: () => void = () => undefined;
    const unmounted = new Promise<void>((resolve) => {
      unmount = resolve;
    });
    try {
      // Not awaited, as a container's removal does: operations queued after it see it gone.
      const removal = sn.remove('ctr', { lazy: true, deleteAfter: unmounted });
      assert.deepEqual((await sn.list()).map((s) => s.key), ['B'], 'list runs after the queued removal');
      await removal;
      await assert.rejects(sn.stat('ctr'), (e: unknown) => isKind(e, 'NotFound'));
      const doomed = (await fs.readdir(path.join(root, 'snapshots'))).filter((n) => n.startsWith('.tmp-rm-'));
      assert.equal(doomed.length, 1, 'renamed out of the way');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await fs.readFile(path.join(root, 'snapshots', doomed[0] as string, 'fs', 'mine'), 'utf8'), 'y', 'files kept while deleteAfter is pending');
      assert.equal(await fs.readFile(path.join(target, 'mine'), 'utf8'), 'y', 'the mounted overlay still works after the rename');
      await unmountAll(target);
      unmount();
      for (let i = 0; i < 100 && (await fs.readdir(path.join(root, 'snapshots'))).some((n) => n.startsWith('.tmp-rm-')); i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(await fs.readdir(path.join(root, 'snapshots')), ['1'], 'deleted once deleteAfter settled');
      await sn.remove('B');
    } finally {
      await unmountAll(target);
    }
  });

  it('refuses a chain too long for one mount page, and the longest accepted chain really mounts', async () => {
    const root = await tmpRoot();
    const sn = await OverlaySnapshotter.open(root);
    let parent: string | undefined;
    let depth = 0;
    for (;;) {
      try {
        await sn.prepare(`active-${depth}`, parent);
      } catch (err) {
        assert.ok(isKind(err, 'InvalidArgument'));
        assert.match((err as Error).message, /too many layers/);
        break;
      }
      await fs.writeFile(path.join(sn.writableDir(`active-${depth}`), `f${depth}`), String(depth));
      await sn.commit(`layer-${depth}`, `active-${depth}`);
      parent = `layer-${depth}`;
      depth++;
      assert.ok(depth < 500, 'the limit must be reached');
    }
    assert.ok(depth > 60, `only ${depth} layers fit`);
    assert.ok(!(await sn.list()).some((s) => s.key === `active-${depth}`), 'the refused snapshot was not created');
    const target = path.join(root, 'mnt');
    await fs.mkdir(target);
    await sn.view('deep', parent!);
    await mountAll(await sn.mounts('deep'), target);
    try {
      assert.equal(await fs.readFile(path.join(target, 'f0'), 'utf8'), '0');
      assert.equal(await fs.readFile(path.join(target, `f${depth - 1}`), 'utf8'), String(depth - 1));
    } finally {
      await unmountAll(target);
    }
    assert.equal(await isMountpoint(target), false);
  });

  it('survives kill -9 at arbitrary instants of prepare/commit/remove', async () => {
    const root = await tmpRoot();
    const script = `
      import { promises as fs } from 'node:fs';
      const { OverlaySnapshotter } = await import(${JSON.stringify(selfModule)});
      const sn = await OverlaySnapshotter.open(${JSON.stringify(root)});
      const run = Math.random().toString(36).slice(2, 8);
      console.log('ready');
      for (let i = 0; ; i++) {
        const committed = (await sn.list()).filter((s) => s.kind === 'committed');
        const parent = committed.length > 0 && Math.random() < 0.7 ? committed[Math.floor(Math.random() * committed.length)].key : undefined;
        const key = run + '-a' + i;
        await sn.prepare(key, parent);
        await fs.writeFile(sn.writableDir(key) + '/f', 'x'.repeat(4096));
        if (Math.random() < 0.6) await sn.commit(run + '-c' + i, key);
        else await sn.remove(key);
        if (committed.length > 15) await sn.remove(committed[0].key).catch(() => {});
      }
    `;
    const args = selfModule.endsWith('.ts') ? ['--import', 'tsx'] : [];
    let total = 0;
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, [...args, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b) => (out += b));
      child.stderr.on('data', (b) => (out += b));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const deadline = Date.now() + 30_000;
      while (!out.includes('ready')) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `child failed: ${out}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      assert.equal(child.exitCode, null, `child died on its own: ${out}`);
      child.kill('SIGKILL');
      await exited;
      // Reopening cleans up; afterwards every invariant holds.
      await OverlaySnapshotter.open(root);
      total += await assertConsistent(root);
    }
    assert.ok(total > 0, 'the child made snapshots before being killed');
  });
});
