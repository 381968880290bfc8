import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../lib/digest.js';
import { BlobLeases } from './blob-leases.js';

describe('BlobLeases', () => {
  it('gives a blob up only when the last lease holding it ends', () => {
    const leases = new BlobLeases();
    const a = leases.lease();
    const b = leases.lease();
    const shared = { digest: sha256('shared'), size: 6 };
    const own = { digest: sha256('own'), size: 3 };
    a.add(shared);
    a.add(own);
    a.add(own);
    b.add(shared);
    assert.deepEqual(a.release(), [own.digest]);
    assert.deepEqual(a.release(), [], 'a second release is a no-op');
    assert.deepEqual(b.release(), [shared.digest]);
  });
});
