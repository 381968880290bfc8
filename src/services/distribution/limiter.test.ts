import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter } from './limiter.js';

describe('Limiter', () => {
  it('never runs more than the limit, even with newcomers arriving as slots free up', async () => {
    const l = new Limiter(3);
    let active = 0;
    let peak = 0;
    const task = async (ms: number) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, ms));
      active--;
    };
    const all: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) all.push(l.run(() => task(5 + (i % 3))));
    // Newcomers while the first ones finish.
    await new Promise((r) => setTimeout(r, 6));
    for (let i = 0; i < 5; i++) all.push(l.run(() => task(1)));
    await Promise.all(all);
    assert.equal(peak, 3);
    assert.equal(l.saturated, false);
  });

  it('runs tasks in arrival order and frees the slot of a failed task', async () => {
    const l = new Limiter(1);
    const order: number[] = [];
    const failing = l.run(async () => {
      order.push(0);
      throw new Error('boom');
    });
    const rest = [1, 2, 3].map((i) => l.run(async () => void order.push(i)));
    await assert.rejects(failing, /boom/);
    await Promise.all(rest);
    assert.deepEqual(order, [0, 1, 2, 3]);
  });

  it('drops a waiting task whose signal aborts, and keeps counting slots right', async () => {
    const l = new Limiter(1);
    let release!: () => void;
    const holder = l.run(() => new Promise<void>((r) => (release = r)));
    const stop = new AbortController();
    let ran = false;
    const dropped = l.run(async () => void (ran = true), stop.signal);
    const next = l.run(async () => 'next');
    await assert.rejects(l.run(async () => void (ran = true), AbortSignal.abort(new Error('already'))), /already/);
    stop.abort(new Error('pull failed'));
    await assert.rejects(dropped, /pull failed/);
    assert.equal(l.saturated, true);
    release();
    await holder;
    assert.equal(await next, 'next');
    assert.equal(ran, false);
    assert.equal(l.saturated, false);
  });
});
