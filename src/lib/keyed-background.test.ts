import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedBackground } from './keyed-background.js';

const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};

describe('KeyedBackground', () => {
  it("runs one key's tasks in order and settles after the last one", async () => {
    const bg = new KeyedBackground(() => assert.fail('no task fails here'));
    const order: string[] = [];
    const g = gate();
    void bg.run('a', async () => {
      await g.opened;
      order.push('a1');
    });
    void bg.run('a', async () => {
      order.push('a2');
    });
    void bg.run('b', async () => {
      order.push('b1');
    });
    await bg.settled('b');
    assert.deepEqual(order, ['b1'], 'another key does not wait');
    assert.equal(bg.has('a'), true);
    let settled = false;
    const waiting = bg.settled('a').then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'settled waits for the gated task');
    g.open();
    await waiting;
    assert.deepEqual(order, ['b1', 'a1', 'a2']);
    assert.equal(bg.has('a'), false, 'a settled key is forgotten');
  });

  it('reports a failure and goes on with the next task', async () => {
    const errors: [string, unknown][] = [];
    const bg = new KeyedBackground((key, err) => errors.push([key, err]));
    const boom = new Error('boom');
    const first = bg.run('k', async () => {
      throw boom;
    });
    let ran = false;
    void bg.run('k', async () => {
      ran = true;
    });
    await first;
    await bg.settled('k');
    assert.deepEqual(errors, [['k', boom]]);
    assert.equal(ran, true);
  });

  it('drain waits for work queued while it waits', async () => {
    const bg = new KeyedBackground(() => undefined);
    const done: string[] = [];
    void bg.run('x', async () => {
      await new Promise((r) => setTimeout(r, 5));
      void bg.run('y', async () => {
        await new Promise((r) => setTimeout(r, 5));
        done.push('y');
      });
      done.push('x');
    });
    await bg.drain();
    assert.deepEqual(done, ['x', 'y']);
    assert.equal(bg.has('x') || bg.has('y'), false);
    assert.equal(await bg.settled('nothing'), undefined);
  });
});
