import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import type { WharfError } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { FakeRegistry } from './fake-registry.js';
import { RegistryClient } from './registry-client.js';
import { isRetryable, RegistryError } from './registry-errors.js';
import { resumableBlob } from './resumable-blob.js';

describe('resumable blob downloads', () => {
  const reg = new FakeRegistry();
  const client = new RegistryClient();
  const data = randomBytes(3 << 20);
  let digest: Digest;
  before(async () => {
    await reg.start();
    digest = reg.putBlob('r/blob', data) as Digest;
  });
  after(async () => {
    await Promise.all([reg.stop(), client.close()]);
  });

  /** Reads the blob, recording each retry's error and attempt number. */
  async function read(): Promise<{ bytes: Buffer; retries: Array<[string, number]> }> {
    const retries: Array<[string, number]> = [];
    const body = resumableBlob(client.repository(reg.host, 'r/blob'), digest, {
      beforeRetry: async (err: WharfError, attempt: number) => {
        retries.push([err.message, attempt]);
        if (attempt >= 5) throw err;
      },
    });
    return { bytes: await buffer(body), retries };
  }

  const blobGets = () => reg.log.filter((l) => l.method === 'GET' && l.path.endsWith(digest));

  it('continues from the byte where the connection broke, with a Range request', async () => {
    reg.log.length = 0;
    reg.truncate.set(digest, { at: 1_000_000, times: 2 });
    const { bytes, retries } = await read();
    assert.ok(bytes.equals(data));
    assert.equal(retries.length, 2);
    assert.match(retries[0]![0], new RegExp(`^Get "${reg.url}/v2/r/blob/blobs/${digest}": unexpected EOF$`));
    assert.deepEqual(
      retries.map((r) => r[1]),
      [1, 2],
    );
    // The first GET starts at 0; each retry asks for the rest only.
    assert.deepEqual(
      blobGets().map((l) => l.range),
      [undefined, 'bytes=1000000-', 'bytes=2000000-'],
    );
    reg.truncate.delete(digest);
  });

  it('skips the repeated start when the registry ignores the range', async () => {
    reg.ranges = false;
    reg.truncate.set(digest, { at: 2_000_000, times: 1 });
    try {
      const { bytes, retries } = await read();
      assert.ok(bytes.equals(data));
      assert.equal(retries.length, 1);
    } finally {
      reg.ranges = true;
      reg.truncate.delete(digest);
    }
  });

  it('retries 5xx answers, but not a 4xx, and gives up when told to', async () => {
    reg.unavailable.set(digest, 2);
    const ok = await read();
    assert.ok(ok.bytes.equals(data));
    assert.deepEqual(
      ok.retries.map((r) => r[1]),
      [1, 2],
    );
    assert.match(ok.retries[0]![0], /^received unexpected HTTP status: 503 Service Unavailable$|^unavailable: service unavailable$/);

    const missing = `sha256:${'0'.repeat(64)}` as Digest;
    const retried: number[] = [];
    const body = resumableBlob(client.repository(reg.host, 'r/blob'), missing, { beforeRetry: async (_e, n) => void retried.push(n) });
    await assert.rejects(buffer(body), (e: unknown) => e instanceof RegistryError && e.status === 404 && !isRetryable(e));
    assert.deepEqual(retried, []);

    reg.truncate.set(digest, { at: 10 });
    try {
      const gaveUp = read();
      await assert.rejects(gaveUp, /unexpected EOF/);
    } finally {
      reg.truncate.delete(digest);
    }
  });

  it('a refused connection is retryable; without a retry hook it is final', async () => {
    const gone = new RegistryClient();
    const body = resumableBlob(gone.repository('127.0.0.1:1', 'r/blob'), digest);
    await assert.rejects(buffer(body), (e: unknown) => isRetryable(e) && /connection refused/.test((e as Error).message));
    await gone.close();
  });
});
