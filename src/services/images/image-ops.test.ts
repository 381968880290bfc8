import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ImageUsage, ImageUser } from '../../core/images/image-usage.js';
import { isKind } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import type { EventMessage } from '../../spec/engine/types.js';
import type { ImageService } from './image-service.js';
import { cleanupServices, layerTar, legacyArchive, makeImage, openService } from './testsuite.js';

after(cleanupServices);

/** Containers using images, as the containers subsystem will report them. */
const users = new Map<Digest, ImageUser[]>();
const usage: ImageUsage = { usersOf: (id) => users.get(id) ?? [] };

const load = async (svc: ImageService, archive: Buffer) => svc.load(Readable.from([archive]), () => {}, true);
const rootfs = () => layerTar({ 'bin/sh': '#!fake shell\n', 'etc/hostname': 'box\n' });

describe('ImageService: import, tag, list, inspect, history', () => {
  let svc: ImageService;
  const events: EventMessage[] = [];
  let imported: Digest;
  before(async () => {
    const o = await openService(undefined, usage);
    svc = o.svc;
    o.events.subscribe((e) => events.push(e));
  });

  it('imports a root filesystem with --change and tags it from repo', async () => {
    imported = (await svc.importImage(Readable.from([gzipSync(await rootfs())]), { src: '-', repo: 'imp:1', changes: ['CMD ["sh"]', 'ENV A=b'] })) as Digest;
    const r = svc.resolve('imp:1');
    assert.equal(r.id, imported);
    assert.equal(r.size, '#!fake shell\n'.length + 'box\n'.length);
    const cfg = await svc.readConfig(r);
    assert.deepEqual(cfg.config?.Cmd, ['sh']);
    assert.deepEqual(cfg.config?.Env, ['A=b']);
    assert.equal(cfg.comment, 'Imported from -');
    assert.deepEqual(cfg.history, [{ created: cfg.created, comment: 'Imported from -' }]);
    assert.equal(cfg.rootfs.diff_ids.length, 1);
    assert.deepEqual(
      events.map((e) => e.Action),
      ['import'],
    );
  });

  it('readConfig keeps configs read (content-addressed) but hands out a fresh copy each time', async () => {
    const r = svc.resolve('imp:1');
    const first = await svc.readConfig(r);
    first.config = { Cmd: ['changed by a caller'] };
    const content = svc.deps.content;
    const readBytes = content.readBytes;
    let reads = 0;
    content.readBytes = (d) => {
      reads++;
      return readBytes.call(content, d);
    };
    try {
      assert.deepEqual((await svc.readConfig(r)).config?.Cmd, ['sh'], 'a caller changing its copy changes nothing for the next one');
      assert.equal(reads, 0, 'served from memory');
    } finally {
      content.readBytes = readBytes;
    }
  });

  it('imports with a tag parameter, a message, and from a URL', async () => {
    const body = await rootfs();
    const server = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rootfs.tar`;
      const id = await svc.importImage(Readable.from([]), { src: url, repo: 'fromurl', tag: '2', message: 'hello' });
      const r = svc.resolve('fromurl:2');
      assert.equal(r.id, id);
      assert.equal((await svc.readConfig(r)).comment, 'hello');
      // Same layer as the first import: one snapshot serves both.
      assert.equal(r.layers[0]!.chainID, svc.resolve('imp:1').layers[0]!.chainID);
    } finally {
      server.close();
    }
  });

  it('refuses bad changes and bad names before reading the body', async () => {
    await assert.rejects(svc.importImage(Readable.from([]), { src: '-', changes: ['RUN rm -rf /'] }), { message: 'run is not a valid change command' });
    await assert.rejects(svc.importImage(Readable.from([]), { src: '-', repo: 'Bad' }), /must be lowercase/);
    await assert.rejects(svc.importImage(Readable.from([Buffer.from('garbage'.repeat(200))]), { src: '-' }), (e) => isKind(e, 'InvalidArgument'));
  });

  it('tags by name and short ID, moving tags and publishing events', async () => {
    await svc.tag(imported.slice(7, 19), 'docker.io/library/imp', 'again');
    await svc.tag('imp:1', 'localhost:5000/team/imp', undefined);
    assert.equal(svc.resolve('localhost:5000/team/imp:latest').id, imported);
    assert.equal(svc.resolve('imp:again').id, imported);
    const tagEvents = events.filter((e) => e.Action === 'tag');
    assert.deepEqual(
      tagEvents.map((e) => e.Actor?.Attributes?.name),
      ['imp:again', 'localhost:5000/team/imp:latest'],
    );
    await assert.rejects(svc.tag('imp:1', 'x@sha256:' + 'a'.repeat(64), undefined), /refusing to create a tag with a digest reference/);
    await assert.rejects(svc.tag('nosuch', 'x', 'y'), { message: 'No such image: nosuch:latest' });
  });

  it('lists images newest first with <none> for untagged ones and applies filters', async () => {
    const untagged = makeImage([await layerTar({ 'u.txt': 'u' })], { created: '2020-01-01T00:00:00Z', config: { Labels: { kind: 'old' } } });
    await load(svc, await legacyArchive([{ image: untagged, tags: [] }]));
    const all = svc.list();
    assert.equal(all.length, 3);
    assert.deepEqual(all.at(-1)!.RepoTags, ['<none>:<none>']);
    assert.deepEqual(all.at(-1)!.RepoDigests, ['<none>@<none>']);
    const imp = all.find((s) => s.Id === imported)!;
    assert.deepEqual(imp.RepoTags, ['imp:1', 'imp:again', 'localhost:5000/team/imp:latest']);
    assert.equal(imp.RepoDigests, null);
    assert.equal(imp.Containers, -1);
    const f = (k: string, ...v: string[]) => svc.list({ filters: new Map([[k, v]]) }).map((s) => s.Id);
    assert.deepEqual(f('dangling', 'true'), [untagged.id]);
    assert.equal(f('dangling', 'false').length, 2);
    assert.deepEqual(f('label', 'kind=old'), [untagged.id]);
    assert.deepEqual(f('label', 'kind=new'), []);
    assert.deepEqual(f('reference', 'imp'), [imported]);
    assert.deepEqual(f('reference', 'localhost:5000/*/imp'), [imported]);
    assert.deepEqual(svc.list({ filters: new Map([['reference', ['imp:1']]]) })[0]!.RepoTags, ['imp:1']);
    assert.deepEqual(f('before', 'imp:1'), [untagged.id]);
    assert.ok(f('since', untagged.id).includes(imported));
    assert.throws(() => f('nosuch', 'x'), { message: "Invalid filter 'nosuch'" });
    assert.throws(() => f('dangling', 'maybe'), { message: "Invalid filter 'dangling=[maybe]'" });
  });

  it('inspects as dockerd does, with its wrapped 404', async () => {
    const v = (await svc.inspect('imp:1')) as Record<string, unknown>;
    assert.equal(v.Id, imported);
    assert.deepEqual(v.RepoDigests, []);
    assert.equal(v.Comment, 'Imported from -');
    assert.equal((v.Config as { Cmd: string[] }).Cmd[0], 'sh');
    assert.equal((v.ContainerConfig as { Cmd: unknown }).Cmd, null);
    assert.equal((v.GraphDriver as { Name: string }).Name, 'overlay2');
    assert.ok(await fs.stat((v.GraphDriver as { Data: { UpperDir: string } }).Data.UpperDir));
    assert.deepEqual(Object.keys(v), ['Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'Container', 'ContainerConfig', 'DockerVersion', 'Author', 'Config', 'Architecture', 'Os', 'Size', 'VirtualSize', 'GraphDriver', 'RootFS', 'Metadata']);
    await assert.rejects(svc.inspect('nosuch-thing'), { message: 'no such image: nosuch-thing: No such image: nosuch-thing:latest' });
  });

  it('shows history newest first with sizes and <missing> below the top', async () => {
    const img = makeImage([await layerTar({ 'a.txt': 'aaaa' }), await layerTar({ 'b.txt': 'bb' })], {
      history: [{ created_by: 'ADD a' }, { created_by: 'ENV X=1', empty_layer: true }, { created_by: 'ADD b', comment: 'c' }],
    });
    await load(svc, await legacyArchive([{ image: img, tags: ['hist:1'] }]));
    const h = await svc.history('hist:1');
    assert.deepEqual(
      h.map((r) => [r.Id, r.CreatedBy, r.Size, r.Comment]),
      [
        [img.id, 'ADD b', 2, 'c'],
        ['<missing>', 'ENV X=1', 0, ''],
        ['<missing>', 'ADD a', 4, ''],
      ],
    );
    assert.deepEqual(h[0]!.Tags, ['hist:1']);
    assert.equal(h[1]!.Tags, null);
  });
});

describe('ImageService: rmi, prune, disk usage', () => {
  let svc: ImageService;
  let base: ReturnType<typeof makeImage>;
  let app: ReturnType<typeof makeImage>;
  before(async () => {
    svc = (await openService(undefined, usage)).svc;
    base = makeImage([await layerTar({ 'base.txt': 'base-layer' })]);
    app = makeImage([base.layers[0]!, await layerTar({ 'app.txt': 'app' })]);
    await load(svc, await legacyArchive([{ image: base, tags: ['base:1', 'base:2'] }, { image: app, tags: ['app:1'] }]));
  });

  it('untags when other references remain, and refuses an ID with several tags', async () => {
    assert.deepEqual(await svc.remove('base:2'), [{ Untagged: 'base:2' }]);
    await svc.tag('base:1', 'other', 'x');
    await assert.rejects(svc.remove(base.id.slice(7, 19)), {
      message: `conflict: unable to delete ${base.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`,
    });
    await assert.rejects(svc.remove('nosuch:img'), { message: 'No such image: nosuch:img' });
  });

  it('refuses to remove what a container uses, unless forced where Docker allows it', async () => {
    const cid = 'c'.repeat(64);
    users.set(app.id, [{ id: cid, running: false }]);
    await assert.rejects(svc.remove('app:1'), {
      message: `conflict: unable to remove repository reference "app:1" (must force) - container cccccccccccc is using its referenced image ${app.id.slice(7, 19)}`,
    });
    users.set(app.id, [{ id: cid, running: true }]);
    await assert.rejects(svc.remove(app.id, { force: true }), /cannot be forced\) - image is being used by running container cccccccccccc/);
    users.delete(app.id);
  });

  it('removes an image with its unique layers and blobs; shared layers stay', async () => {
    const out = await svc.remove('app:1');
    assert.deepEqual(out, [{ Untagged: 'app:1' }, { Deleted: app.id }, { Deleted: app.chainIDs[1] }]);
    assert.equal(await svc.layers.has(app.chainIDs[1]!), false);
    assert.equal(await svc.layers.has(base.chainIDs[0]!), true);
    assert.equal(await svc.deps.content.info(app.diffIDs[1]!), undefined);
    assert.equal(await svc.deps.content.info(app.id), undefined);
    assert.ok(await svc.deps.content.info(base.diffIDs[0]!));
  });

  it('reports disk usage with shared sizes', async () => {
    await svc.tag('base:1', 'copy', '1');
    const df = svc.diskUsage();
    assert.equal(df.LayersSize, 'base-layer'.length);
    assert.equal(df.Images.length, 1);
    assert.equal(df.Images[0]!.Containers, 0);
    assert.equal(df.Images[0]!.SharedSize, 0);
  });

  it('prunes dangling images by default and every unused one with dangling=false', async () => {
    const loose = makeImage([await layerTar({ 'loose.txt': 'loose!' })]);
    await load(svc, await legacyArchive([{ image: loose, tags: [] }]));
    const r1 = await svc.prune(new Map());
    assert.deepEqual(r1.ImagesDeleted, [{ Deleted: loose.id }, { Deleted: loose.chainIDs[0] }]);
    assert.equal(r1.SpaceReclaimed, 'loose!'.length);
    assert.ok(svc.resolve('base:1'));
    // In use by a container: as in dockerd 20.10, every tag but the last is removed, the last one
    // conflicts and the image stays.
    users.set(base.id, [{ id: 'd'.repeat(64), running: false }]);
    assert.deepEqual(await svc.prune(new Map([['dangling', ['false']]])), { ImagesDeleted: [{ Untagged: 'base:1' }, { Untagged: 'copy:1' }], SpaceReclaimed: 0 });
    assert.equal(svc.resolve('other:x').id, base.id);
    users.delete(base.id);
    const r3 = await svc.prune(new Map([['dangling', ['false']]]));
    assert.ok(r3.ImagesDeleted!.some((d) => d.Deleted === base.id));
    assert.equal(r3.SpaceReclaimed, 'base-layer'.length);
    assert.equal(svc.store.count(), 0);
    assert.deepEqual(await svc.deps.snapshots.list(), []);
    assert.deepEqual(await svc.deps.content.list(), []);
  });
});
