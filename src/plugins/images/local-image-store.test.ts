import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runImageStoreSuite, testRecord } from '../../core/images/testsuite.js';
import { parseNormalizedNamed, tagNameOnly } from '../../spec/reference.js';
import { LocalImageStore } from './local-image-store.js';

const roots: string[] = [];
async function tmpRoot(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-imgstore-'));
  roots.push(dir);
  return dir;
}
after(async () => {
  for (const d of roots) await fs.rm(d, { recursive: true, force: true });
});

runImageStoreSuite('LocalImageStore', async () => {
  const root = await tmpRoot();
  return { store: await LocalImageStore.open(root), reopen: () => LocalImageStore.open(root), cleanup: () => fs.rm(root, { recursive: true, force: true }) };
});

describe('LocalImageStore on disk', () => {
  it('drops references to records that vanished and removes stray temp files', async () => {
    const root = await tmpRoot();
    const s = await LocalImageStore.open(root);
    const a = testRecord('a');
    const b = testRecord('b');
    await s.put(a);
    await s.put(b);
    await s.addRef(tagNameOnly(parseNormalizedNamed('a')), a.id);
    await s.addRef(tagNameOnly(parseNormalizedNamed('b')), b.id);
    // Simulate a hand-edited store (or a foreign crash): b's record file disappears.
    await fs.unlink(path.join(root, 'records', `${b.id.slice(7)}.json`));
    await fs.writeFile(path.join(root, 'records', '.tmp-half-written'), '{"trunc');
    const again = await LocalImageStore.open(root);
    assert.equal(again.count(), 1);
    assert.deepEqual(
      again.allRefs().map((r) => r.id),
      [a.id],
    );
    assert.deepEqual(await fs.readdir(path.join(root, 'records')), [`${a.id.slice(7)}.json`]);
    const refs = JSON.parse(await fs.readFile(path.join(root, 'references.json'), 'utf8'));
    assert.deepEqual(Object.keys(refs.refs), ['docker.io/library/a:latest']);
  });

  it('loads 500 records again', async () => {
    const root = await tmpRoot();
    const s = await LocalImageStore.open(root);
    for (let i = 0; i < 500; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => s.put(testRecord(`n${i + j}`))));
    const again = await LocalImageStore.open(root);
    assert.equal(again.count(), 500);
  });
});
