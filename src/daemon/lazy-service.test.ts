import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lazyService } from './lazy-service.js';

describe('lazyService', () => {
  it('builds nothing until asked, then once for every caller', async () => {
    let builds = 0;
    const lazy = lazyService(async () => {
      builds++;
      return { n: builds };
    });
    assert.equal(lazy.started(), undefined);
    assert.equal(builds, 0);
    const [a, b] = await Promise.all([lazy.get(), lazy.get()]);
    assert.equal(builds, 1);
    assert.equal(a, b);
    assert.equal(await lazy.get(), a);
    assert.equal(await lazy.started(), a);
  });

  it('retries a failed build at the next call', async () => {
    let calls = 0;
    const lazy = lazyService(async () => {
      calls++;
      if (calls === 1) throw new Error('first build fails');
      return 'built';
    });
    await assert.rejects(lazy.get(), /first build fails/);
    assert.equal(lazy.started(), undefined);
    assert.equal(await lazy.get(), 'built');
    assert.equal(calls, 2);
  });
});
