import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameProblem, rfc3339Local } from './volume-rules.js';

describe('volume rules', () => {
  it('checks names as the local driver', () => {
    assert.equal(nameProblem('ab'), undefined);
    assert.equal(nameProblem('a1_b.c-d'), undefined);
    assert.equal(nameProblem('0'.repeat(64)), undefined);
    assert.match(nameProblem('a') ?? '', /too short/);
    for (const bad of ['.ab', '_ab', '-ab', 'a/b', 'a b', 'ä1']) assert.match(nameProblem(bad) ?? '', /includes invalid characters/, bad);
  });

  it("formats CreatedAt as Go's RFC3339 in the local zone", () => {
    const tz = process.env.TZ;
    try {
      const d = new Date(Date.UTC(2026, 10, 22, 10, 33, 39, 500));
      process.env.TZ = 'UTC';
      assert.equal(rfc3339Local(d), '2026-11-22T10:33:39Z');
      process.env.TZ = 'Asia/Kolkata';
      assert.equal(rfc3339Local(d), '2026-11-22T16:03:39+05:30');
      process.env.TZ = 'America/New_York';
      assert.equal(rfc3339Local(d), '2026-11-22T05:33:39-05:00');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});
