import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEventBus } from './events.js';

describe('event bus', () => {
  it('gives every event a timeNano above the last one, even within one clock tick', () => {
    const bus = createEventBus({ now: () => 1_700_000_000_000_000_000n });
    const times = Array.from({ length: 5 }, () => bus.publish('container', 'start', { ID: 'x' }).timeNano!);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!, `${times[i]} after ${times[i - 1]}`);
    assert.equal(bus.history(BigInt(times[2]!)).length, 3, '--since picks from an exact event on');
  });

  it('follows the wall clock by default, at sub-millisecond resolution', () => {
    const bus = createEventBus();
    const before = Date.now();
    const times = Array.from({ length: 100 }, () => bus.publish('image', 'tag', { ID: 'y' }).timeNano!);
    assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!));
    assert.ok(Math.abs(times[0]! / 1e6 - before) < 1000, 'within a second of Date.now()');
  });
});
