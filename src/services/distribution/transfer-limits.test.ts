import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDaemonArgs } from '../../daemon/config.js';
import { RegistryError } from '../../plugins/registry-client/registry-errors.js';
import { withRetry } from './retry.js';
import { DEFAULT_TRANSFER_LIMITS, downloadRetryPolicy, transferLimiter, validateTransferLimits } from './transfer-limits.js';

/** Peak number of `n` tasks running at once in `limiter`'s slots. */
async function peak(limiter: ReturnType<typeof transferLimiter>, n: number): Promise<number> {
  let active = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      limiter.run(async () => {
        active++;
        max = Math.max(max, active);
        await new Promise((r) => setImmediate(r));
        active--;
      }),
    ),
  );
  return max;
}

describe('dockerd’s transfer flags', () => {
  it('defaults to 3 downloads, 5 uploads, 5 download attempts', () => {
    assert.deepEqual(parseDaemonArgs([]).transfers, { maxConcurrentDownloads: 3, maxConcurrentUploads: 5, maxDownloadAttempts: 5 });
    assert.deepEqual(DEFAULT_TRANSFER_LIMITS, { maxConcurrentDownloads: 3, maxConcurrentUploads: 5, maxDownloadAttempts: 5 });
  });

  it('reads --max-concurrent-downloads, --max-concurrent-uploads and --max-download-attempts', () => {
    const args = ['--max-concurrent-downloads', '1', '--max-concurrent-uploads=0', '--max-download-attempts', '2'];
    assert.deepEqual(parseDaemonArgs(args).transfers, { maxConcurrentDownloads: 1, maxConcurrentUploads: 0, maxDownloadAttempts: 2 });
  });

  it('refuses what dockerd refuses, with its messages', () => {
    assert.throws(() => parseDaemonArgs(['--max-concurrent-downloads', '-1']), /^.*invalid max concurrent downloads: -1$/);
    assert.throws(() => parseDaemonArgs(['--max-concurrent-uploads', '-2']), /invalid max concurrent uploads: -2/);
    assert.throws(() => parseDaemonArgs(['--max-download-attempts', '0']), /invalid max download attempts: 0/);
    assert.throws(() => parseDaemonArgs(['--max-concurrent-downloads', 'abc']), /strconv\.ParseInt: parsing "abc": invalid syntax/);
    assert.throws(() => validateTransferLimits({ ...DEFAULT_TRANSFER_LIMITS, maxDownloadAttempts: 1.5 }), /invalid max download attempts: 1.5/);
  });

  it('runs at most the limit at once, and everything at once for 0', async () => {
    assert.equal(await peak(transferLimiter(1), 6), 1);
    assert.equal(await peak(transferLimiter(3), 6), 3);
    assert.equal(await peak(transferLimiter(0), 6), 6);
  });

  it('--max-download-attempts 2 retries once, after dockerd’s first wait, then gives up', async () => {
    const policy = { ...downloadRetryPolicy(2), waitUnitMs: 1 };
    assert.equal(downloadRetryPolicy(2).waitUnitMs, 1000);
    const lines: string[] = [];
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new RegistryError(503, [{ code: 'UNAVAILABLE', message: 'down' }], 'down'));
    };
    await assert.rejects(withRetry({ policy, id: 'abc', out: (m) => lines.push(String(m.status)) }, failing), RegistryError);
    assert.equal(calls, 2);
    assert.deepEqual(lines, ['Retrying in 5 seconds', 'Retrying in 4 seconds', 'Retrying in 3 seconds', 'Retrying in 2 seconds', 'Retrying in 1 second']);
  });
});
