import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removalsSettled, removeLater } from './remove-later.js';

describe('removeLater', () => {
  let base: string;
  let trash: string;
  const tree = async (name: string) => {
    const dir = path.join(base, name);
    await fs.mkdir(path.join(dir, 'a/b'), { recursive: true });
    await fs.writeFile(path.join(dir, 'a/b/f'), 'x');
    return dir;
  };
  before(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-rmlater-'));
    trash = path.join(base, 'trash');
    await fs.mkdir(trash);
  });
  after(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('frees the name at once and deletes the tree in the background', async () => {
    const dir = await tree('c1');
    await removeLater(dir, trash);
    await assert.rejects(fs.access(dir), 'the name is free when it returns');
    await fs.mkdir(dir);
    await removalsSettled();
    assert.deepEqual(await fs.readdir(trash), [], 'the trash is emptied');
    await fs.rm(dir, { recursive: true });
  });

  it('deletes in place when there is no trash, and takes a missing dir as removed', async () => {
    const dir = await tree('c2');
    await removeLater(dir, path.join(base, 'no-trash'));
    await assert.rejects(fs.access(dir));
    await removeLater(path.join(base, 'never-was'), trash);
    await removalsSettled();
  });
});
