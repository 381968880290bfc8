import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import type { JSONMessage } from '../../spec/engine/types.js';
import type { ImageService } from './image-service.js';
import { cleanupServices, layerTar, legacyArchive, makeImage, ociArchive, openService, pseudoRandom, tarOf } from './testsuite.js';

after(cleanupServices);

async function load(svc: ImageService, archive: Buffer, quiet = true): Promise<JSONMessage[]> {
  const out: JSONMessage[] = [];
  await svc.load(Readable.from([archive]), (m) => out.push(m), quiet);
  return out;
}

const streams = (msgs: JSONMessage[]) => msgs.filter((m) => m.stream).map((m) => m.stream);

describe('ImageService.load', () => {
  let svc: ImageService;
  let root: string;
  let base: ReturnType<typeof makeImage>;
  let child: ReturnType<typeof makeImage>;
  before(async () => {
    ({ svc, root } = await openService());
    const big = pseudoRandom(3 << 20, 'big'); // over the in-memory limit: streamed and staged
    base = makeImage([await layerTar({ 'bin/tool': big, 'etc/os': 'wharf\n' })]);
    child = makeImage([base.layers[0]!, await layerTar({ 'app/run.sh': 'echo hi\n' })], { config: { Cmd: ['app'], Labels: { tier: 'child' } } });
  });

  it('loads a legacy (Docker 20.10) archive with tags and shares layers between images', async () => {
    const msgs = await load(svc, await legacyArchive([{ image: base, tags: ['base:1'] }, { image: child, tags: ['child:1', 'localhost:5000/x/child:2'] }]));
    assert.deepEqual(streams(msgs), ['Loaded image: base:1\n', 'Loaded image: child:1\n', 'Loaded image: localhost:5000/x/child:2\n']);
    const b = svc.resolve('base:1');
    const c = svc.resolve('child:1');
    assert.equal(b.id, base.id);
    assert.equal(c.id, child.id);
    assert.deepEqual(
      c.layers.map((l) => l.chainID),
      child.chainIDs,
    );
    assert.equal(c.layers[0]!.chainID, b.layers[0]!.chainID, 'the shared base layer is one snapshot');
    assert.equal(b.size, (3 << 20) + 'wharf\n'.length);
    assert.equal(c.size, b.size + 'echo hi\n'.length);
    const files = await fs.readFile(path.join(root, 'overlay', 'metadata.json'), 'utf8');
    assert.equal(Object.keys(JSON.parse(files).snapshots).length, 2, 'two committed snapshots, no temporary ones left');
    // The layer blob is in the content store, uncompressed, under its diffID.
    assert.equal((await svc.deps.content.info(base.diffIDs[0]!))?.size, base.layers[0]!.length);
  });

  it('reloading the same archive reuses everything and keeps the image', async () => {
    const msgs = await load(svc, await legacyArchive([{ image: base, tags: ['base:1'] }]), false);
    assert.deepEqual(streams(msgs), ['Loaded image: base:1\n']);
    const progress = msgs.filter((m) => m.status === 'Loading layer');
    assert.ok(progress.length >= 2, 'progress while streaming the big layer');
    assert.match(progress.at(-1)!.progress!, /^\[=+>\] {2}3\.\d+MB\/3\.\d+MB$/);
    assert.equal(svc.store.count(), 2);
  });

  it('says when a tag moves from another image, and prints IDs for untagged images', async () => {
    const other = makeImage([await layerTar({ 'x.txt': 'x' })]);
    const msgs = await load(svc, await legacyArchive([{ image: other, tags: ['base:1'] }]));
    assert.deepEqual(streams(msgs), [`The image base:1 already exists, renaming the old one with ID ${base.id} to empty string\n`, 'Loaded image: base:1\n']);
    const untagged = makeImage([await layerTar({ 'y.txt': 'y' })]);
    assert.deepEqual(streams(await load(svc, await legacyArchive([{ image: untagged, tags: [] }]))), [`Loaded image ID: ${untagged.id}\n`]);
  });

  it('loads OCI layouts (with and without manifest.json) and gzip-compressed archives', async () => {
    const { svc: s2 } = await openService();
    assert.deepEqual(streams(await load(s2, await ociArchive([{ image: child, tags: ['child:oci'] }]))), ['Loaded image: child:oci\n']);
    assert.equal(s2.resolve('child:oci').id, child.id);
    const bare = makeImage([await layerTar({ 'bare.txt': 'b' })]);
    await load(s2, await ociArchive([{ image: bare, tags: ['bare:1'] }], { bare: true }));
    assert.equal(s2.resolve('bare:1').id, bare.id);
    const gz = makeImage([await layerTar({ 'gz.txt': 'g' })]);
    await load(s2, await legacyArchive([{ image: gz, tags: ['gz:1'] }], { gzip: true }));
    assert.equal(s2.resolve('gz:1').id, gz.id);
  });

  it('follows symlinked duplicate layers of legacy archives', async () => {
    const { svc: s3 } = await openService();
    const l = await layerTar({ 'same.txt': 'same' });
    const dup = makeImage([l, await layerTar({ 'mid.txt': 'm' }), l]);
    await load(s3, await legacyArchive([{ image: dup, tags: ['dup:1'] }]));
    assert.deepEqual(
      s3.resolve('dup:1').layers.map((x) => x.chainID),
      dup.chainIDs,
    );
  });

  it('refuses a layer whose digest does not match the config and leaves nothing behind', async () => {
    const { svc: s4, root: r4 } = await openService();
    const bad = makeImage([await layerTar({ 'a.txt': 'a' })]);
    bad.layers[0] = await layerTar({ 'a.txt': 'tampered' });
    await assert.rejects(load(s4, await legacyArchive([{ image: bad, tags: ['bad:1'] }])), /invalid diffID/);
    assert.equal(s4.store.count(), 0);
    assert.deepEqual(await s4.deps.snapshots.list(), []);
    assert.deepEqual(await s4.deps.content.list(), []);
    assert.deepEqual(await fs.readdir(path.join(r4, 'overlay', 'snapshots')), []);
  });

  it('refuses archives that are not image archives', async () => {
    await assert.rejects(load(svc, await tarOf([{ name: 'hello.txt', data: 'hi' }])), (e) => isKind(e, 'InvalidArgument') && /neither manifest.json nor index.json/.test((e as Error).message));
    await assert.rejects(load(svc, Buffer.from('not a tar at all, just some bytes'.repeat(40))), (e) => isKind(e, 'InvalidArgument'));
  });

  it('saves what it loaded: the archive loads back to the same image', async () => {
    const { svc: s5 } = await openService();
    const sink = new PassThrough();
    const bytes = buffer(sink);
    await svc.save(['child:1'], () => sink);
    const archive = await bytes;
    assert.deepEqual(streams(await load(s5, archive)), ['Loaded image: child:1\n']);
    const r = s5.resolve('child:1');
    assert.equal(r.id, child.id);
    assert.deepEqual(
      r.layers.map((l) => [l.chainID, l.size]),
      svc.resolve('child:1').layers.map((l) => [l.chainID, l.size]),
    );
  });
});
