import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import { startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { busyboxRootfs, columns, lines, writeFixture } from './images-fixtures.js';

const HEX12 = /^[a-f0-9]{12}$/;

describe('image commands with the real docker CLI, compared with real dockerd', () => {
  let w: TestDaemon;
  let r: RealDockerd;
  let rootfs: string;
  /** Runs the same docker command against both daemons. */
  const both = async (args: string[]) => {
    const [a, b] = await Promise.all([w.docker(args), r.docker(args)]);
    return { wharf: a, real: b };
  };

  before(async () => {
    [w, r] = await Promise.all([startWharfd(), startRealDockerd()]);
    rootfs = await writeFixture(w.dir, 'rootfs.tar', await busyboxRootfs());
  });
  after(async () => {
    await Promise.all([w?.destroy(), r?.stop()]);
  });

  it('docker import --change prints the new image ID', async () => {
    const { wharf, real } = await both(['import', '--change', 'CMD ["sh"]', rootfs, 'spy-imported:1']);
    assert.equal(wharf.code, 0, wharf.stderr);
    assert.equal(real.code, 0, real.stderr);
    assert.match(wharf.stdout, /^sha256:[a-f0-9]{64}\n$/);
    const cmd = await w.docker(['image', 'inspect', '-f', '{{json .Config.Cmd}} {{.Comment}}', 'spy-imported:1']);
    assert.equal(cmd.stdout.trim(), '["sh"] Imported from -');
  });

  it('image inspect -f {{ .Size }} matches dockerd for the same root filesystem', async () => {
    const { wharf, real } = await both(['image', 'inspect', '-f', '{{ .Size }}', 'spy-imported:1']);
    assert.equal(wharf.code, 0, wharf.stderr);
    assert.equal(wharf.stdout, real.stdout);
    const layers = await both(['image', 'inspect', '-f', '{{json .RootFS.Layers}} {{.Os}} {{.Architecture}} {{.GraphDriver.Name}}', 'spy-imported:1']);
    assert.equal(layers.wharf.stdout, layers.real.stdout, 'same diffID: the layer is stored byte for byte');
  });

  it('docker images prints the same table shape, -q prints short IDs', async () => {
    const { wharf, real } = await both(['images']);
    assert.equal(wharf.code, 0, wharf.stderr);
    const [wh, ...wrows] = lines(wharf.stdout);
    const [rh] = lines(real.stdout);
    // Same columns; their widths follow the contents, and CREATED ("Less than a second ago",
    // "2 seconds ago") depends on when each daemon imported the image.
    assert.deepEqual(wh?.split(/\s{2,}/), rh?.split(/\s{2,}/), 'header');
    assert.equal(wrows.length, 1);
    const [repo, tag, id, , size] = columns(wrows[0]!);
    assert.deepEqual([repo, tag, size], ['spy-imported', '1', columns(lines(real.stdout)[1]!)[4]]);
    assert.match(id!, HEX12);
    const q = await w.docker(['images', '-q']);
    assert.deepEqual(lines(q.stdout), [id]);
  });

  it('tag, then images with --filter, --format and --digests', async () => {
    for (const d of [w, r]) {
      assert.equal((await d.docker(['tag', 'spy-imported:1', 'spy-busybox:tagged'])).code, 0);
      assert.equal((await d.docker(['tag', 'spy-imported:1', 'localhost:5000/team/app:v1'])).code, 0);
    }
    const fmt = ['images', '--format', '{{.Repository}}:{{.Tag}} {{.Size}}'];
    const sorted = (s: string) => lines(s).sort();
    const f = await both(fmt);
    assert.deepEqual(sorted(f.wharf.stdout), sorted(f.real.stdout));
    const ref = await both([...fmt, '--filter', 'reference=spy-*']);
    assert.deepEqual(sorted(ref.wharf.stdout), sorted(ref.real.stdout));
    assert.equal(sorted(ref.wharf.stdout).length, 2);
    const dang = await both(['images', '-q', '--filter', 'dangling=true']);
    assert.equal(dang.wharf.stdout, '');
    const dig = await both(['images', '--digests', 'spy-busybox']);
    assert.deepEqual(lines(dig.wharf.stdout)[0]?.split(/\s{2,}/), lines(dig.real.stdout)[0]?.split(/\s{2,}/), 'same columns (widths follow CREATED)');
    assert.deepEqual(columns(lines(dig.wharf.stdout)[1]!).slice(0, 3), ['spy-busybox', 'tagged', '<none>']);
    const bad = await both(['images', '--filter', 'nosuch=1']);
    assert.notEqual(bad.wharf.code, 0);
    assert.equal(bad.wharf.stderr.toLowerCase(), bad.real.stderr.toLowerCase());
  });

  it('docker history shows the import like dockerd does', async () => {
    const { wharf, real } = await both(['history', '--format', '{{.CreatedBy}}|{{.Size}}|{{.Comment}}', 'spy-imported:1']);
    assert.equal(wharf.code, 0, wharf.stderr);
    assert.equal(wharf.stdout, real.stdout);
    const table = await both(['history', 'spy-imported:1']);
    // The same columns; their widths follow the CREATED text ("59 seconds ago" on one daemon can
    // be "About a minute ago" on the other, whose import ran a moment apart).
    assert.deepEqual(columns(lines(table.wharf.stdout)[0]!), columns(lines(table.real.stdout)[0]!));
    assert.match(columns(lines(table.wharf.stdout)[1]!)[0]!, HEX12);
  });

  it('docker rmi untags, refuses ambiguous IDs and unknown names with dockerd wording', async () => {
    const untag = await both(['rmi', 'spy-busybox:tagged']);
    assert.equal(untag.wharf.stdout, 'Untagged: spy-busybox:tagged\n');
    assert.equal(untag.wharf.stdout, untag.real.stdout);
    const id = (await w.docker(['images', '-q', 'spy-imported'])).stdout.trim();
    const conflict = await w.docker(['rmi', id]);
    assert.equal(conflict.code, 1);
    assert.equal(conflict.stderr.trim(), `Error response from daemon: conflict: unable to delete ${id} (must be forced) - image is referenced in multiple repositories`);
    const missing = await both(['rmi', 'nosuch:img']);
    assert.equal(missing.wharf.stderr, missing.real.stderr);
    const inspect = await both(['image', 'inspect', 'nosuch:img']);
    assert.equal(inspect.wharf.code, 1);
    assert.equal(inspect.wharf.stderr, inspect.real.stderr);
  });

  it('docker rmi -f by ID untags everything and deletes the image and its layer', async () => {
    const idOf = async (d: TestDaemon | RealDockerd) => (await d.docker(['images', '-q', 'spy-imported'])).stdout.trim();
    const [wharf, real] = await Promise.all([w.docker(['rmi', '-f', await idOf(w)]), r.docker(['rmi', '-f', await idOf(r)])]);
    assert.equal(wharf.code, 0, wharf.stderr);
    const kinds = (s: string) => lines(s).map((l) => l.split(':')[0]);
    assert.deepEqual(kinds(wharf.stdout), kinds(real.stdout));
    assert.deepEqual(kinds(wharf.stdout), ['Untagged', 'Untagged', 'Deleted', 'Deleted']);
    assert.equal((await w.docker(['images', '-q'])).stdout, '');
    const snaps = JSON.parse(await fs.readFile(`${w.dataRoot}/overlay/metadata.json`, 'utf8')).snapshots;
    assert.deepEqual(Object.keys(snaps), []);
  });

  it('docker image prune removes dangling images; -a removes unused ones', async () => {
    for (const d of [w, r]) {
      assert.equal((await d.docker(['import', rootfs])).code, 0); // no repository: dangling
      assert.equal((await d.docker(['import', rootfs, 'keep:1'])).code, 0);
    }
    const { wharf, real } = await both(['image', 'prune', '-f']);
    assert.equal(wharf.code, 0, wharf.stderr);
    assert.deepEqual(
      lines(wharf.stdout).map((l) => l.replace(/sha256:[a-f0-9]{64}/, 'ID').replace(/space: .*/, 'space')),
      lines(real.stdout).map((l) => l.replace(/sha256:[a-f0-9]{64}/, 'ID').replace(/space: .*/, 'space')),
    );
    assert.match(wharf.stdout, /^Deleted Images:\ndeleted: sha256:[a-f0-9]{64}\n/);
    assert.deepEqual(lines((await w.docker(['images', '--format', '{{.Repository}}'])).stdout), ['keep']);
    const all = await w.docker(['image', 'prune', '-a', '-f']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /untagged: keep:1/);
    assert.match(all.stdout, /Total reclaimed space: 1\.98\dMB/);
  });

  it('docker system df reports images like dockerd', async () => {
    for (const d of [w, r]) {
      await d.docker(['image', 'prune', '-a', '-f']);
      assert.equal((await d.docker(['import', rootfs, 'df:1'])).code, 0);
      assert.equal((await d.docker(['tag', 'df:1', 'df:2'])).code, 0);
    }
    const { wharf, real } = await both(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}']);
    assert.equal(wharf.code, 0, wharf.stderr);
    assert.equal(lines(wharf.stdout)[0], lines(real.stdout)[0]);
    const v = await w.docker(['system', 'df', '-v']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /Images space usage:/);
  });
});
