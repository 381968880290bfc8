import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { readAll } from '../../server/body.js';
import { filterTar } from './filter-tar.js';
import { createTarExtract, drain } from './tar-reader.js';
import { tarBuffer } from './tar-writer.js';
import { writeDiff } from './write-diff.js';

async function names(tar: Buffer): Promise<string[]> {
  const ex = createTarExtract();
  Readable.from([tar]).pipe(ex);
  const out: string[] = [];
  for await (const e of ex) {
    out.push(e.header.name);
    await drain(e);
  }
  return out;
}

describe('filterTar', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-filter-'));
    await fs.mkdir(path.join(dir, 'etc'));
    await fs.writeFile(path.join(dir, 'etc/hosts'), '');
    await fs.writeFile(path.join(dir, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    await fs.mkdir(path.join(dir, 'a-very-long-directory-name-that-needs-pax-headers'.repeat(3)));
    await fs.writeFile(path.join(dir, `${'a-very-long-directory-name-that-needs-pax-headers'.repeat(3)}/f`), 'x');
    await fs.symlink('/etc/passwd', path.join(dir, 'link'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const diffOf = async () => {
    const out = new PassThrough();
    const [buf] = await Promise.all([readAll(out, 1 << 30), writeDiff(dir, out)]);
    return buf;
  };

  it('copies a TarWriter archive byte for byte when it keeps everything', async () => {
    const original = await diffOf();
    const copy = await readAll(filterTar(Readable.from([original]), () => true), 1 << 30);
    assert.ok(copy.equals(original));
  });

  it('drops refused entries (with their PAX headers) and keeps the rest intact', async () => {
    const original = await diffOf();
    const copy = await readAll(filterTar(Readable.from([original]), (n) => n !== 'etc/hosts'), 1 << 30);
    const before = await names(original);
    assert.deepEqual(await names(copy), before.filter((n) => n !== 'etc/hosts'));
    assert.ok(copy.length < original.length);
  });

  it('makes an empty layer of an archive whose entries are all dropped', async () => {
    const tar = await tarBuffer([{ header: { name: 'x', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 1 }, data: 'x' }]);
    const copy = await readAll(filterTar(Readable.from([tar]), () => false), 1 << 30);
    assert.ok(copy.equals(Buffer.alloc(1024)));
  });

  it('fails the stream on a corrupt archive', async () => {
    const tar = await tarBuffer([{ header: { name: 'x', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 1 }, data: 'x'.repeat(3000) }]);
    await assert.rejects(readAll(filterTar(Readable.from([tar.subarray(0, 1000)]), () => true), 1 << 30), /invalid tar|Unexpected end/);
  });
});
