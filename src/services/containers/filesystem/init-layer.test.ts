import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureInitLayer, INIT_LAYER_ENTRIES } from './init-layer.js';

describe('ensureInitLayer', () => {
  let parent: string;
  after(() => fs.rm(parent, { recursive: true, force: true }));

  it("makes dockerd's init layer once (0755 entries, empty files, /etc/mtab a link), reuses it, and removes what a crash left", async () => {
    parent = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-init-layer-'));
    await fs.mkdir(path.join(parent, '.tmp-init-layer-dead/etc'), { recursive: true });
    const old = process.umask(0o077);
    let dir: string;
    try {
      dir = await ensureInitLayer(parent);
    } finally {
      process.umask(old);
    }
    for (const e of INIT_LAYER_ENTRIES) {
      const st = await fs.lstat(path.join(dir, e.path));
      if (e.type === 'symlink') assert.equal(await fs.readlink(path.join(dir, e.path)), '/proc/mounts');
      else {
        assert.equal(e.type === 'dir' ? st.isDirectory() : st.isFile() && st.size === 0, true, e.path);
        assert.equal(st.mode & 0o7777, 0o755, `${e.path} mode despite the umask`);
      }
    }
    assert.equal((await fs.stat(path.join(dir, 'etc'))).mode & 0o7777, 0o755);
    assert.deepEqual(await fs.readdir(parent), [path.basename(dir)], 'the stray temp dir is gone');
    // Used as it is the next time: it may be a lower layer of running containers.
    const mtime = (await fs.stat(dir)).mtimeMs;
    assert.equal(await ensureInitLayer(parent), dir);
    assert.equal((await fs.stat(dir)).mtimeMs, mtime);
  });
});
