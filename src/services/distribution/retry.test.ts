import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalidArgument, unavailable } from '../../errdefs/index.js';
import { RegistryError } from '../../plugins/registry-client/registry-errors.js';
import type { JSONMessage } from '../../spec/engine/types.js';
import { backoff, type RetryContext, withRetry } from './retry.js';

function context(attempts: number, signal?: AbortSignal): { ctx: RetryContext; lines: JSONMessage[] } {
  const lines: JSONMessage[] = [];
  return { ctx: { policy: { attempts, waitUnitMs: 1 }, id: 'abc123', out: (m) => lines.push(m), signal }, lines };
}

describe('layer transfer retries (dockerd’s xfer)', () => {
  it('counts down 5·n steps before attempt n+1, one Retrying line per step', async () => {
    const { ctx, lines } = context(5);
    await backoff(ctx, new Error('x'), 1);
    assert.deepEqual(
      lines.map((l) => l.status),
      ['Retrying in 5 seconds', 'Retrying in 4 seconds', 'Retrying in 3 seconds', 'Retrying in 2 seconds', 'Retrying in 1 second'],
    );
    assert.deepEqual(lines[0], { status: 'Retrying in 5 seconds', progressDetail: {}, id: 'abc123' });
    lines.length = 0;
    await backoff(ctx, new Error('x'), 2);
    assert.equal(lines.length, 10);
    const last = new Error('last');
    await assert.rejects(backoff(ctx, last, 5), (e) => e === last);
  });

  it('retries transient failures up to the attempt limit, then throws the last one', async () => {
    const { ctx, lines } = context(3);
    let calls = 0;
    const err = unavailable('Get "http://r/v2/": dial tcp 127.0.0.1:1: connect: connection refused');
    await assert.rejects(
      withRetry(ctx, async () => {
        calls++;
        throw err;
      }),
      (e) => e === err,
    );
    assert.equal(calls, 3);
    // Waits after attempts 1 and 2 (5 + 10 steps); none after the last.
    assert.equal(lines.length, 15);
    assert.equal(lines[5]!.status, 'Retrying in 10 seconds');

    let n = 0;
    assert.equal(
      await withRetry(context(5).ctx, async () => {
        if (++n < 3) throw new RegistryError(503, [], 'received unexpected HTTP status: 503 Service Unavailable');
        return 'done';
      }),
      'done',
    );
  });

  it('never retries a final failure (4xx, bad content), nor after cancellation', async () => {
    for (const final of [new RegistryError(404, [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }], 'blob unknown'), new RegistryError(429, [], 'too many'), invalidArgument('filesystem layer verification failed')]) {
      let calls = 0;
      await assert.rejects(
        withRetry(context(5).ctx, async () => {
          calls++;
          throw final;
        }),
      );
      assert.equal(calls, 1, final.message);
    }
    const stop = new AbortController();
    const { ctx } = context(5, stop.signal);
    ctx.policy = { attempts: 5, waitUnitMs: 60_000 };
    const err = unavailable('gone');
    const waiting = withRetry(ctx, async () => {
      queueMicrotask(() => stop.abort());
      throw err;
    });
    await assert.rejects(waiting, (e) => e === err);
  });
});
