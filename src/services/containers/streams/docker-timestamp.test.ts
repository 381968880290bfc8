import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDockerTimestamp } from './docker-timestamp.js';

describe('parseDockerTimestamp (since/until as the CLI sends them)', () => {
  it('reads seconds and a fraction scaled to nanoseconds', () => {
    assert.equal(parseDockerTimestamp('1700000000'), 1_700_000_000_000_000_000n);
    assert.equal(parseDockerTimestamp('1700000000.000000001'), 1_700_000_000_000_000_001n);
    assert.equal(parseDockerTimestamp('1700000000.5'), 1_700_000_000_500_000_000n);
    assert.equal(parseDockerTimestamp('0'), 0n);
  });

  it("refuses what Go's strconv refuses, with its message", () => {
    assert.throws(() => parseDockerTimestamp('abc'), /strconv.ParseInt: parsing "abc": invalid syntax/);
    assert.throws(() => parseDockerTimestamp('1.x'), /parsing "x": invalid syntax/);
  });
});
