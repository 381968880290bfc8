import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lookPath } from './look-path.js';

describe('lookPath', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-lookpath-'));
    for (const d of ['a', 'b', 'c']) await fs.mkdir(path.join(dir, d));
    await fs.writeFile(path.join(dir, 'a/tool'), 'not executable', { mode: 0o644 });
    await fs.mkdir(path.join(dir, 'b/tool'), { mode: 0o755 });
    await fs.writeFile(path.join(dir, 'c/tool'), '#!/bin/sh\n', { mode: 0o755 });
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds the first executable file on PATH, skipping non-executables and directories', async () => {
    const p = ['a', 'b', 'c'].map((d) => path.join(dir, d)).join(':');
    assert.equal(await lookPath('tool', p), path.join(dir, 'c/tool'));
  });

  it('keeps a name with a slash, and a name found nowhere', async () => {
    assert.equal(await lookPath('./tool', path.join(dir, 'c')), './tool');
    assert.equal(await lookPath('nosuch-tool', path.join(dir, 'c')), 'nosuch-tool');
    assert.equal(await lookPath('tool', ''), 'tool');
  });
});
