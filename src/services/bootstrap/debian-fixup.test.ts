import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clampShadowLastChange, fixupDebianTree } from './debian-fixup.js';

describe('clampShadowLastChange', () => {
  it('clamps only a later password-change day, leaving every other field and line as it was', () => {
    const text = ['root:*:20779:0:99999:7:::', 'old:*:19000:0:99999:7:::', 'aging-off:*::0:99999:7:::', '# comment', 'short:x', ''].join('\n');
    assert.equal(clampShadowLastChange(text, 20645), ['root:*:20645:0:99999:7:::', 'old:*:19000:0:99999:7:::', 'aging-off:*::0:99999:7:::', '# comment', 'short:x', ''].join('\n'));
    assert.equal(clampShadowLastChange(text, 30000), text, 'nothing later than the clamp: unchanged');
  });
});

describe('fixupDebianTree', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-fixup-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('rewrites /etc/shadow and /etc/shadow- in place, keeping their mode', async () => {
    const root = path.join(dir, 'a');
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/shadow'), 'root:*:20779:0:99999:7:::\n', { mode: 0o640 });
    await fs.writeFile(path.join(root, 'etc/shadow-'), 'root:*:20779:0:99999:7:::\nlonger:*:20779::::::\n', { mode: 0o600 });
    await fixupDebianTree(root, new Date('2026-07-11T10:16:37Z'));
    assert.equal(await fs.readFile(path.join(root, 'etc/shadow'), 'utf8'), 'root:*:20645:0:99999:7:::\n');
    assert.equal(await fs.readFile(path.join(root, 'etc/shadow-'), 'utf8'), 'root:*:20645:0:99999:7:::\nlonger:*:20645::::::\n');
    assert.equal((await fs.stat(path.join(root, 'etc/shadow'))).mode & 0o7777, 0o640);
    assert.equal((await fs.stat(path.join(root, 'etc/shadow-'))).mode & 0o7777, 0o600);
  });

  it('does nothing without the files, and never writes through a symlink out of the tree', async () => {
    const root = path.join(dir, 'b');
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fixupDebianTree(root, new Date('2026-07-11T10:16:37Z'));
    const outside = path.join(dir, 'host-shadow');
    await fs.writeFile(outside, 'root:*:20779:0:99999:7:::\n');
    await fs.symlink(outside, path.join(root, 'etc/shadow'));
    await fixupDebianTree(root, new Date('2026-07-11T10:16:37Z'));
    assert.equal(await fs.readFile(outside, 'utf8'), 'root:*:20779:0:99999:7:::\n');
  });
});
