import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CommandShell, shellQuote } from './command-shell.js';

describe('CommandShell', () => {
  const sh = new CommandShell();
  after(() => sh.close());

  it('runs commands in order with their status and output, arguments never expanded', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-shell-'));
    try {
      const odd = `a b'c"$(touch ${dir}/pwned);\`x\`\n*`;
      const results = await Promise.all([sh.run(['printf', '%s', odd]), sh.run(['sh', '-c', 'echo out; echo err >&2; exit 3']), sh.run(['true'])]);
      assert.deepEqual(results, [
        { code: 0, output: odd },
        { code: 3, output: 'out\nerr\n' },
        { code: 0, output: '' },
      ]);
      assert.deepEqual(await fs.readdir(dir), [], 'nothing the argument said was executed');
      assert.equal((await sh.run(['no-such-command-wharf'])).code, 127);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('starts a new shell after the old one died; the command in flight fails', async () => {
    await assert.rejects(sh.run(['sh', '-c', 'kill -9 $PPID']), /command shell exited/);
    assert.deepEqual(await sh.run(['echo', 'again']), { code: 0, output: 'again\n' });
  });

  it('quotes single quotes', () => {
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});
