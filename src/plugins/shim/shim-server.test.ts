import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attachShim } from './attach-shim.js';
import { buildShimForTests, collect, createShimFixture, type ShimFixture } from './shim-fixture.js';
import { requestShim, shimServer } from './shim-server.js';
import { spawnShim } from './spawn-shim.js';

const shimPath = await buildShimForTests();

const ppidOf = async (pid: number) => Number((await fs.readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ')[1]);

describe('the shim server (zygote)', () => {
  let fx: ShimFixture;
  before(async () => {
    fx = await createShimFixture('runc', shimPath);
  });
  after(() => fx.cleanup());

  async function runEcho(text: string): Promise<{ shimPid: number; out: string }> {
    const c = await fx.container(['echo', text]);
    const shim = await spawnShim(fx.spawnOptions(c, { start: true, log: undefined }));
    const conn = collect(await attachShim(c.stateDir));
    await conn.exit;
    return { shimPid: shim.shimPid, out: conn.text() };
  }

  it('forks the shims, which detach from it as from a spawning daemon', async () => {
    const server = await shimServer(shimPath);
    assert.ok(server, 'the server starts');
    assert.equal(await ppidOf(server.pid), process.pid, 'the server is our child (and dies with us)');
    // Straight through the server (spawnShim would fall back to spawning if it were unreachable).
    const c = await fx.container(['echo', 'one']);
    await fs.mkdir(c.stateDir, { recursive: true });
    const args = ['--id', c.id, '--runtime', 'runc', '--runtime-root', fx.runtimeRoot, '--state-dir', c.stateDir, '--bundle', c.bundle, '--start'];
    const ready = JSON.parse(await requestShim(server, args)) as { pid: number; shimPid: number };
    assert.ok(ready.pid > 0 && ready.shimPid > 0, JSON.stringify(ready));
    assert.notEqual(await ppidOf(ready.shimPid), server.pid, 'the shim detached from the server');
    const conn = collect(await attachShim(c.stateDir));
    await conn.exit;
    assert.equal(conn.text(), 'one\n');
    assert.equal((await runEcho('one again')).out, 'one again\n');
    assert.equal(await shimServer(shimPath), server, 'one server per shim binary');
    const cmdline = await fs.readFile(`/proc/${server.pid}/cmdline`, 'utf8');
    assert.match(cmdline, /--serve/);
  });

  it('serves only its parent: another process gets no shim and no answer', async () => {
    const server = (await shimServer(shimPath))!;
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-shim-foreign-'));
    const script = `
      const net = require('node:net');
      const args = ['--id', 'x', '--runtime', '/bin/true', '--runtime-root', '/tmp', '--state-dir', ${JSON.stringify(stateDir)}, '--bundle', '/tmp'];
      const body = Buffer.from(args.map((a) => a + '\\0').join(''));
      const head = Buffer.alloc(4); head.writeUInt32BE(body.length);
      const s = net.connect({ path: '\\0' + ${JSON.stringify(server.name)} }, () => s.end(Buffer.concat([head, body])));
      let got = ''; s.on('data', (c) => (got += c)); s.on('error', () => {});
      s.on('close', () => console.log(JSON.stringify(got)));`;
    try {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      await new Promise((r) => child.once('exit', r));
      assert.equal(out.trim(), '""', 'closed without a reply');
      assert.deepEqual(await fs.readdir(stateDir), [], 'no shim ran (it would have written shim.pid)');
    } finally {
      await fs.rm(stateDir, { recursive: true, force: true });
    }
  });

  it('is replaced when it dies, and a shim still starts meanwhile', async () => {
    const server = (await shimServer(shimPath))!;
    process.kill(server.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await runEcho('two')).out, 'two\n');
    const next = await shimServer(shimPath);
    assert.ok(next && next.pid !== server.pid, 'a new server');
  });
});
