import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import type { ImageService } from './image-service.js';
import { cleanupServices, legacyArchive, makeImage, openService, pseudoRandom, type TarEntry, tarOf } from './testsuite.js';

const created: string[] = [];
after(cleanupServices);
after(async () => {
  for (const p of created) await fs.rm(p, { recursive: true, force: true });
});

/** Every path under `dir` (recursively) whose name contains `marker`. */
async function findNamed(dir: string, marker: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.name.includes(marker)) out.push(path.join(e.parentPath ?? dir, e.name));
  }
  return out;
}

/** Asserts a failed load left no image, snapshot, snapshot directory or blob behind. */
async function assertNothingLeft(svc: ImageService, root: string): Promise<void> {
  assert.equal(svc.store.count(), 0);
  assert.deepEqual(await svc.deps.snapshots.list(), []);
  assert.deepEqual(await fs.readdir(path.join(root, 'overlay', 'snapshots')), []);
  assert.deepEqual(await svc.deps.content.list(), []);
}

async function hostileCase(layerEntries: TarEntry[], big: boolean): Promise<{ err: unknown; svc: ImageService; root: string }> {
  // A fresh parent dir, so "nothing outside the data root" can be checked exhaustively.
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-hostile-'));
  created.push(parent);
  const { svc } = await openService(path.join(parent, 'data'));
  const padding: TarEntry[] = big ? [{ name: 'pad.bin', data: pseudoRandom(2 << 20, 'pad') }] : [];
  const layer = await tarOf([...padding, ...layerEntries]);
  const img = makeImage([layer]);
  const err = await svc.load(Readable.from([await legacyArchive([{ image: img, tags: ['evil:1'] }])]), () => {}, true).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, svc, root: path.join(parent, 'data') };
}

describe('hostile archives are refused and leave nothing behind', () => {
  for (const big of [false, true]) {
    const how = big ? 'streamed (large) layer' : 'in-memory (small) layer';

    it(`path traversal with ../ in a ${how}`, async () => {
      const marker = `escape-${randomBytes(4).toString('hex')}`;
      const { err, svc, root } = await hostileCase([{ name: `../../../${marker}`, data: 'pwned' }], big);
      assert.ok(isKind(err, 'InvalidArgument'), String(err));
      assert.match((err as Error).message, /path escapes the layer root/);
      await assertNothingLeft(svc, root);
      assert.deepEqual(await findNamed(path.dirname(root), marker), []);
      await assert.rejects(fs.stat(path.join(os.tmpdir(), marker)));
    });

    it(`writing through a symlink in a ${how}`, async () => {
      const marker = `via-link-${randomBytes(4).toString('hex')}`;
      const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-outside-'));
      created.push(outside);
      const { err, svc, root } = await hostileCase(
        [
          { name: 'out', type: 'symlink', linkname: outside },
          { name: `out/${marker}`, data: 'pwned' },
        ],
        big,
      );
      assert.ok(isKind(err, 'InvalidArgument'), String(err));
      assert.match((err as Error).message, /symbolic link/);
      await assertNothingLeft(svc, root);
      assert.deepEqual(await fs.readdir(outside), []);
    });

    it(`a hardlink to a file outside in a ${how}`, async () => {
      const { err, svc, root } = await hostileCase([{ name: 'passwd', type: 'link', linkname: '../../../../../../etc/passwd' }], big);
      assert.ok(isKind(err, 'InvalidArgument'), String(err));
      await assertNothingLeft(svc, root);
    });
  }

  it('archive paths that climb out of the archive', async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-hostile-'));
    created.push(parent);
    const { svc, root } = await openService(path.join(parent, 'data'));
    const archive = await tarOf([{ name: '../../manifest.json', data: '[]' }]);
    await assert.rejects(svc.load(Readable.from([archive]), () => {}, true), /path escapes the archive/);
    const viaManifest = await tarOf([{ name: 'manifest.json', data: JSON.stringify([{ Config: '../../../etc/passwd', RepoTags: [], Layers: [] }]) }]);
    await assert.rejects(svc.load(Readable.from([viaManifest]), () => {}, true), /path escapes the archive/);
    await assertNothingLeft(svc, root);
  });
});
