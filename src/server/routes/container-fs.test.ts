import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statHeader } from './container-fs.js';
import { parseEventTime } from './events.js';

describe('container-fs and events wire helpers', () => {
  it('encodes X-Docker-Container-Path-Stat as dockerd does (transcripts/cp.md)', () => {
    const v = statHeader({ name: 'tmp', size: 4096, mode: 2147484141, mtime: '2026-11-22T10:14:58Z', linkTarget: '' });
    assert.equal(v, 'eyJuYW1lIjoidG1wIiwic2l6ZSI6NDA5NiwibW9kZSI6MjE0NzQ4NDE0MSwibXRpbWUiOiIyMDI2LTExLTIyVDEwOjE0OjU4WiIsImxpbmtUYXJnZXQiOiIifQ==');
  });

  it('parses event times as unix seconds with optional nanoseconds', () => {
    assert.equal(parseEventTime(undefined), undefined);
    assert.equal(parseEventTime(''), undefined);
    assert.equal(parseEventTime('1795343616'), 1795343616_000_000_000n);
    assert.equal(parseEventTime('1795343616.5'), 1795343616_500_000_000n);
    assert.equal(parseEventTime('1795343616.123456789'), 1795343616_123_456_789n);
    assert.throws(() => parseEventTime('abc'), /strconv.ParseInt: parsing "abc": invalid syntax/);
    assert.throws(() => parseEventTime('10m'), /invalid syntax/);
  });
});
