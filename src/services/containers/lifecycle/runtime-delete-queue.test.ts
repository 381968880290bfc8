/**
 * The queue's ordering contract on its own (plain promises: it schedules work, it touches no
 * kernel facility). The real runtime deletes through it are tested in lifecycle-service.test.ts
 * and test/e2e/containers-lifecycle-delete.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../lib/logger.js';
import { RuntimeDeleteQueue } from './runtime-delete-queue.js';

/** A task that records when it runs and finishes only when opened. */
function gated(order: string[], name: string) {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    open: () => open(),
    task: async () => {
      order.push(`${name} runs`);
      await gate;
      order.push(`${name} done`);
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));
const quiet = () => createLogger('fatal');

describe('RuntimeDeleteQueue', () => {
  it('settled(id) resolves only after that id’s delete ran', async () => {
    const q = new RuntimeDeleteQueue(quiet());
    const order: string[] = [];
    const a = gated(order, 'a');
    await q.defer('a', a.task);
    assert.equal(q.has('a'), true);
    const waited = q.settled('a').then(() => order.push('start a'));
    await tick();
    assert.deepEqual(order, ['a runs']);
    a.open();
    await waited;
    assert.deepEqual(order, ['a runs', 'a done', 'start a']);
    assert.equal(q.has('a'), false);
    await q.settled('a'); // nothing pending: at once
  });

  it('runs at most `concurrency` at once; settled() starts a queued one at once', async () => {
    const q = new RuntimeDeleteQueue(quiet(), 1);
    const order: string[] = [];
    const a = gated(order, 'a');
    const b = gated(order, 'b');
    await q.defer('a', a.task);
    await q.defer('b', b.task);
    await tick();
    assert.deepEqual(order, ['a runs'], 'b waits for a slot');
    const waited = q.settled('b');
    await tick();
    assert.deepEqual(order, ['a runs', 'b runs'], 'a start of b does not wait for a slot');
    b.open();
    await waited;
    a.open();
    await q.settled('a');
    assert.equal(q.size, 0);
  });

  it('`after` delays a delete, but neither settled() nor drain() waits for it', async () => {
    const q = new RuntimeDeleteQueue(quiet());
    const order: string[] = [];
    let release: () => void = () => undefined;
    const after = new Promise<void>((resolve) => {
      release = resolve;
    });
    await q.defer('a', async () => void order.push('a'), after);
    await q.defer('b', async () => void order.push('b'), after);
    await tick();
    assert.deepEqual(order, [], 'both wait for `after`');
    await q.settled('a');
    assert.deepEqual(order, ['a']);
    await q.drain();
    assert.deepEqual(order, ['a', 'b']);
    release();
  });

  it('one delete per id; after drain() a delete runs inline; a failure is logged, not thrown', async () => {
    const lines: string[] = [];
    const q = new RuntimeDeleteQueue(createLogger('warn', { write: (s: string) => lines.push(s) }));
    const order: string[] = [];
    const a = gated(order, 'a');
    await q.defer('a', a.task);
    await q.defer('a', async () => void order.push('second a'));
    a.open();
    await q.settled('a');
    assert.deepEqual(order, ['a runs', 'a done'], 'a second delete of a pending id is dropped');
    await q.drain();
    await q.defer('c', async () => {
      throw new Error('runc: boom');
    });
    assert.equal(q.size, 0, 'ran inline after drain');
    assert.match(lines.join(''), /background runtime delete failed.*runc: boom/);
  });
});
