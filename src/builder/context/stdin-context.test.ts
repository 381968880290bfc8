import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { tarBuffer } from '../../lib/tar/tar-writer.js';
import { listTar } from './context-test-util.js';
import { contextFromReader, isArchive } from './stdin-context.js';

const sampleTar = () => tarBuffer([{ header: { name: 'Dockerfile', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0 }, data: 'FROM x\n' }]);

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('isArchive', () => {
  it('recognises tar headers and compressed data, not text or zero blocks', async () => {
    const tar = await sampleTar();
    assert.equal(isArchive(tar.subarray(0, 512)), true);
    assert.equal(isArchive(gzipSync(tar)), true);
    assert.equal(isArchive(Buffer.from('BZh91AY')), true);
    assert.equal(isArchive(Buffer.alloc(512)), false);
    assert.equal(isArchive(Buffer.from('FROM busybox\nRUN echo hi\n'.padEnd(600, ' '))), false);
    const corrupt = Buffer.from(tar.subarray(0, 512));
    corrupt[0] ^= 1;
    assert.equal(isArchive(corrupt), false);
  });
});

describe('contextFromReader', () => {
  it('passes an archive through unchanged, chunked or not', async () => {
    const tar = await sampleTar();
    const chunks = [tar.subarray(0, 100), tar.subarray(100, 700), tar.subarray(700)];
    const r = await contextFromReader(Readable.from(chunks), 'Dockerfile');
    assert.equal(r.dockerfile, 'Dockerfile');
    assert.deepEqual(await collect(r.tar), tar);
  });

  it('wraps a bare Dockerfile into a one-file context', async () => {
    const text = 'FROM busybox\nRUN echo hi\n';
    const r = await contextFromReader(Readable.from([Buffer.from(text)]));
    assert.equal(r.dockerfile, 'Dockerfile');
    const list = await listTar(r.tar);
    assert.deepEqual(
      list.map((e) => [e.name, e.type, e.mode, e.owner, e.content]),
      [['Dockerfile', 'file', '644', '0:0', text]],
    );
  });

  it('refuses a non-archive when the Dockerfile also comes from stdin', async () => {
    await assert.rejects(contextFromReader(Readable.from([Buffer.from('FROM x\n')]), '-'), /build context is not an archive/);
  });
});
