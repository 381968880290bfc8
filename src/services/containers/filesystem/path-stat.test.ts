import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GoMode, goFileMode, goTimeUTC } from './path-stat.js';

describe('path stat (X-Docker-Container-Path-Stat)', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-pathstat-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("encodes Go's FileMode bits as dockerd reports them", async () => {
    await fs.mkdir(path.join(dir, 'sticky'));
    await fs.chmod(path.join(dir, 'sticky'), 0o1777);
    await fs.symlink('/', path.join(dir, 'link'));
    await fs.writeFile(path.join(dir, 'suid'), '');
    await fs.chmod(path.join(dir, 'suid'), 0o4755);
    const mode = async (p: string) => goFileMode(await fs.lstat(path.join(dir, p), { bigint: true }));
    // Values seen on the wire from dockerd: /tmp 2148532735, a 0755 dir 2147484141, a symlink 134218239.
    assert.equal(await mode('sticky'), 2148532735);
    assert.equal(await mode('link'), 134218239);
    assert.equal(await mode('suid'), GoMode.setuid + 0o755);
    assert.equal(goFileMode(await fs.lstat('/dev/null', { bigint: true })), GoMode.device + GoMode.charDevice + 0o666);
  });

  it('writes times as RFC 3339 with trimmed nanoseconds, in UTC', () => {
    assert.equal(goTimeUTC(1795342498n * 1_000_000_000n), '2026-11-22T10:14:58Z');
    assert.equal(goTimeUTC(1795342498n * 1_000_000_000n + 62229377n), '2026-11-22T10:14:58.062229377Z');
    assert.equal(goTimeUTC(1795342498n * 1_000_000_000n + 500_000_000n), '2026-11-22T10:14:58.5Z');
  });
});
