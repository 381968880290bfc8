import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanScoped, plainTree, secureJoin } from './secure-join.js';

describe('secureJoin', () => {
  let root: string;
  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-securejoin-'));
    await fs.mkdir(path.join(root, 'etc'));
    await fs.mkdir(path.join(root, 'usr/bin'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/hostname'), 'inside\n');
    await fs.symlink('/', path.join(root, 'escape'));
    await fs.symlink('../../../../..', path.join(root, 'etc/up'));
    await fs.symlink('usr/bin', path.join(root, 'bin'));
    await fs.symlink('/etc/hostname', path.join(root, 'abs-file'));
    await fs.symlink('loop2', path.join(root, 'loop1'));
    await fs.symlink('loop1', path.join(root, 'loop2'));
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  const join = (p: string, followLast?: boolean) => secureJoin(plainTree(root), p, { followLast });

  it('resolves an absolute symlink to the scope root, never the host root', async () => {
    const r = await join('/escape/etc/hostname');
    assert.equal(r.scoped, '/etc/hostname');
    assert.equal(r.host, path.join(root, 'etc/hostname'));
    assert.equal(r.exists, true);
    assert.equal(await fs.readFile(r.host, 'utf8'), 'inside\n');
  });

  it('clamps .. at the scope root, in the path and in link targets', async () => {
    assert.equal((await join('/../../../etc/hostname')).scoped, '/etc/hostname');
    assert.equal((await join('/etc/up/etc/hostname')).scoped, '/etc/hostname');
    assert.equal((await join('/etc/up')).scoped, '/');
  });

  it('follows relative links from their directory', async () => {
    const r = await join('/bin/sh');
    assert.equal(r.scoped, '/usr/bin/sh');
    assert.equal(r.exists, false);
  });

  it('keeps the last component when told not to follow it', async () => {
    assert.equal((await join('/escape', false)).scoped, '/escape');
    assert.equal((await join('/abs-file', false)).scoped, '/abs-file');
    assert.equal((await join('/abs-file')).scoped, '/etc/hostname');
  });

  it('keeps missing components as written and still resolves what follows ..', async () => {
    const r = await join('/nosuch/x/../y');
    assert.equal(r.scoped, '/nosuch/y');
    assert.equal(r.exists, false);
    assert.equal((await join('/nosuch/../etc')).scoped, '/etc');
    assert.equal((await join('/nosuch/../etc')).exists, true);
  });

  it('refuses symlink loops', async () => {
    await assert.rejects(join('/loop1/x'), /too many links/);
  });

  it('cleans scoped paths like filepath.Clean on an absolute path', () => {
    assert.equal(cleanScoped('a//b/../c/'), '/a/c');
    assert.equal(cleanScoped('/'), '/');
    assert.equal(cleanScoped('../..'), '/');
  });
});
