import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileImageLoader } from './image-loader.js';

describe('fileImageLoader', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-loader-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the whole archive to the file', async () => {
    const file = path.join(dir, 'a.tar');
    await fileImageLoader(file).load(Readable.from([Buffer.alloc(1 << 20, 1), Buffer.alloc(777, 2)]));
    const data = await fs.readFile(file);
    assert.equal(data.length, (1 << 20) + 777);
    assert.equal(data[data.length - 1], 2);
  });

  it('fails when the archive stream fails, or the file cannot be written', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await assert.rejects(fileImageLoader(path.join(dir, 'b.tar')).load(broken), /disk on fire/);
    await assert.rejects(fileImageLoader(path.join(dir, 'missing/dir/c.tar')).load(Readable.from([Buffer.from('x')])), /ENOENT/);
  });
});
