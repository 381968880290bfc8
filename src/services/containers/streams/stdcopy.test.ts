import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MuxDecoder, muxFrame, StdStream } from './stdcopy.js';

describe('stdcopy frames', () => {
  it('writes the 8-byte header of the transcripts', () => {
    assert.equal(muxFrame(StdStream.Stdout, Buffer.from('hi\n')).toString('hex'), '0100000000000003' + Buffer.from('hi\n').toString('hex'));
    assert.equal(muxFrame(StdStream.Stderr, Buffer.from('err\n')).subarray(0, 8).toString('hex'), '0200000000000004');
    assert.equal(muxFrame(StdStream.Stdout, Buffer.alloc(0)).length, 0, 'no frame for nothing');
  });

  it('decodes frames split at any byte', () => {
    const wire = Buffer.concat([muxFrame(StdStream.Stdout, Buffer.from('one\n')), muxFrame(StdStream.Stderr, Buffer.alloc(70_000, 'e'))]);
    for (const step of [1, 3, 8, 9, 4096]) {
      const d = new MuxDecoder();
      const got: { stream: number; data: Buffer }[] = [];
      for (let i = 0; i < wire.length; i += step) got.push(...d.push(wire.subarray(i, i + step)));
      assert.equal(d.pending, 0);
      assert.deepEqual(
        got.map((f) => [f.stream, f.data.length]),
        [
          [1, 4],
          [2, 70_000],
        ],
      );
    }
  });
});
