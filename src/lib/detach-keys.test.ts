import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETACH_KEYS, DetachMatcher, parseDetachKeys } from './detach-keys.js';

describe('detach keys', () => {
  it("parses Docker's syntax", () => {
    assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [0x10, 0x11]);
    assert.deepEqual([...DEFAULT_DETACH_KEYS], [0x10, 0x11]);
    assert.deepEqual([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-_')], [0, 27, 31]);
    assert.deepEqual([...parseDetachKeys('a,b,DEL')], [0x61, 0x62, 127]);
    assert.throws(() => parseDetachKeys('ctrl-1'), /Unknown character: 'ctrl-1'/);
    assert.throws(() => parseDetachKeys('ab'), /Unknown character/);
  });

  it('detaches on the sequence, whatever the chunking, and swallows it', () => {
    const m = new DetachMatcher(DEFAULT_DETACH_KEYS);
    assert.deepEqual(m.push(Buffer.from('ls\r')), { forward: Buffer.from('ls\r'), detached: false });
    assert.deepEqual(m.push(Buffer.from([0x10])), { forward: Buffer.alloc(0), detached: false }, 'ctrl-p is held back');
    assert.deepEqual(m.push(Buffer.from([0x11, 0x41])), { forward: Buffer.alloc(0), detached: true });
    const pasted = new DetachMatcher(DEFAULT_DETACH_KEYS).push(Buffer.from([0x61, 0x10, 0x11]));
    assert.deepEqual(pasted, { forward: Buffer.from('a'), detached: true });
  });

  it('releases a broken prefix, and a repeated first key restarts the match', () => {
    const m = new DetachMatcher(DEFAULT_DETACH_KEYS);
    assert.deepEqual(m.push(Buffer.from([0x10])).forward, Buffer.alloc(0));
    assert.deepEqual(m.push(Buffer.from('x')), { forward: Buffer.from([0x10, 0x78]), detached: false });
    const again = new DetachMatcher(DEFAULT_DETACH_KEYS);
    assert.deepEqual(again.push(Buffer.from([0x10, 0x10, 0x11])), { forward: Buffer.from([0x10]), detached: true });
    assert.deepEqual(new DetachMatcher(Buffer.from([0x01])).push(Buffer.from('ab\x01c')), { forward: Buffer.from('ab'), detached: true });
  });
});
