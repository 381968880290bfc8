import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountAll, unmountAll } from '../../../plugins/snapshots/mount.js';
import { containerChanges } from './changes.js';

/**
 * Real overlay mounts: a lower layer, changes made through the merged view as a container would
 * make them, then the rw layer (upper dir) read back as `docker diff` reports it.
 */
describe('containerChanges', () => {
  let base: string;
  const OLD = new Date('2020-01-01T00:00:00Z');

  before(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-changes-'));
    const lower = path.join(base, 'lower');
    for (const d of ['bin', 'etc', 'opq', 'tmp', 'usr/lib']) await fs.mkdir(path.join(lower, d), { recursive: true });
    for (const f of ['bin/sh', 'bin/vi', 'etc/passwd', 'etc/group', 'opq/old', 'usr/lib/x']) await fs.writeFile(path.join(lower, f), `${f}\n`);
    for (const p of ['bin', 'etc', 'opq', 'tmp', 'usr/lib', 'usr', '']) await fs.utimes(path.join(lower, p), OLD, OLD);
  });
  after(() => fs.rm(base, { recursive: true, force: true }));

  /** Mounts a fresh upper over the lower, runs `change` on the merged view, unmounts; returns the upper dir. */
  async function withContainer(name: string, change: (merged: string) => Promise<void>): Promise<string> {
    const dir = path.join(base, name);
    const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => path.join(dir, d));
    for (const d of [upper, work, merged]) await fs.mkdir(d!, { recursive: true });
    const lower = path.join(base, 'lower');
    await mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`] }], merged!);
    try {
      await change(merged!);
    } finally {
      await unmountAll(merged!);
    }
    return upper!;
  }

  it("reports changes in dockerd's order and kinds (overlayfs whiteouts, opaque directories, parents)", async () => {
    const upper = await withContainer('c1', async (m) => {
      await fs.rm(path.join(m, 'bin/vi'));
      await fs.appendFile(path.join(m, 'etc/passwd'), 'x:x:1:1::/:/bin/sh\n');
      await fs.mkdir(path.join(m, 'newdir'));
      await fs.writeFile(path.join(m, 'newdir/f'), '');
      await fs.rm(path.join(m, 'opq'), { recursive: true });
      await fs.mkdir(path.join(m, 'opq'));
      await fs.writeFile(path.join(m, 'opq/new'), '');
      await fs.writeFile(path.join(m, 'tmp/x'), 'x');
      // What runc leaves in the rw layer as mount targets: Docker's init layer would hold them.
      await fs.writeFile(path.join(m, 'etc/hosts'), '');
      await fs.writeFile(path.join(m, 'etc/hostname'), '');
      await fs.mkdir(path.join(m, 'proc'));
    });
    const got = (await containerChanges(upper, [path.join(base, 'lower')])).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
    assert.deepEqual(got, ['C /bin', 'D /bin/vi', 'C /etc', 'C /etc/passwd', 'A /newdir', 'A /newdir/f', 'D /opq', 'A /opq/new', 'C /tmp', 'A /tmp/x']);
  });

  it('reports every directory above a file modified in place, though their metadata did not change', async () => {
    const upper = await withContainer('c4', async (m) => {
      await fs.appendFile(path.join(m, 'usr/lib/x'), 'more\n');
    });
    const got = (await containerChanges(upper, [path.join(base, 'lower')])).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
    assert.deepEqual(got, ['C /usr', 'C /usr/lib', 'C /usr/lib/x']);
  });

  it('hides runtime mount targets and the directories that only hold them', async () => {
    const upper = await withContainer('c2', async (m) => {
      for (const f of ['etc/hosts', 'etc/hostname', 'etc/resolv.conf']) await fs.writeFile(path.join(m, f), '');
      for (const d of ['proc', 'sys', 'dev']) await fs.mkdir(path.join(m, d));
    });
    assert.ok((await fs.readdir(upper)).includes('etc'), 'the upper dir really holds the targets');
    assert.deepEqual(await containerChanges(upper, [path.join(base, 'lower')]), []);
  });

  it('reports an init path the container really wrote', async () => {
    const upper = await withContainer('c3', async (m) => {
      await fs.writeFile(path.join(m, 'etc/hosts'), '127.0.0.1 me\n');
    });
    const got = (await containerChanges(upper, [path.join(base, 'lower')])).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
    assert.deepEqual(got, ['C /etc', 'A /etc/hosts']);
  });
});
