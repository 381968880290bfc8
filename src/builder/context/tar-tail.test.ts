import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { tarBuffer } from '../../lib/tar/tar-writer.js';
import { completeTarTail } from './tar-tail.js';

async function through(buf: Buffer, chunk = 97): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of Readable.from(parts).pipe(completeTarTail())) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('completeTarTail', () => {
  const longName = `${'d'.repeat(120)}/file`;
  const entries = [
    { header: { name: longName, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: 0 }, data: 'x'.repeat(700) },
    { header: { name: 'last', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: 0 }, data: 'tail' },
  ];

  it('leaves a complete tar as it is', async () => {
    const tar = await tarBuffer(entries);
    assert.deepEqual(await through(tar), tar);
  });

  it('restores the padding and end blocks of a tar cut after the last data (PAX headers included)', async () => {
    const tar = await tarBuffer(entries);
    const cut = tar.subarray(0, tar.length - 1024 - (512 - 4));
    assert.deepEqual(await through(cut), tar);
  });

  it('adds the end blocks to a tar cut at a header boundary', async () => {
    const tar = await tarBuffer(entries);
    assert.deepEqual(await through(tar.subarray(0, tar.length - 1024)), tar);
  });

  it('does not touch a tar cut inside data', async () => {
    const tar = await tarBuffer(entries);
    const cut = tar.subarray(0, tar.length - 1024 - 512 + 2);
    assert.deepEqual(await through(cut), cut);
  });
});
