import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attachShim } from './attach-shim.js';
import {
  buildShimForTests,
  collect,
  createShimFixture,
  readLogRecords,
  type ShimFixture,
  shimAlive,
  type TestContainer,
  waitUntil,
} from './shim-fixture.js';
import { type SpawnedShim, type SpawnShimOptions, spawnShim } from './spawn-shim.js';

const shimPath = await buildShimForTests();

/**
 * Runs spawnShim in a separate Node process (as wharfd would), returns what it reported and
 * that process, which then just idles until killed.
 */
async function spawnShimInChild(opts: SpawnShimOptions): Promise<{ shim: SpawnedShim; child: ReturnType<typeof spawn> }> {
  const moduleUrl = new URL('./spawn-shim.ts', import.meta.url).href;
  const script = [
    `import { spawnShim } from ${JSON.stringify(moduleUrl)};`,
    'const r = await spawnShim(JSON.parse(process.argv[1]));',
    "process.stdout.write(JSON.stringify(r) + '\\n');",
    'setInterval(() => {}, 60_000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  while (!out.includes('\n')) {
    const [chunk] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit')])) as [string | number];
    if (typeof chunk !== 'string') throw new Error(`the spawning process exited (${chunk})`);
    out += chunk;
  }
  return { shim: JSON.parse(out) as SpawnedShim, child };
}

async function parentPid(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^PPid:\s+(\d+)/m.exec(status)![1]);
}

for (const runtime of ['runc', 'crun']) {
  describe(`wharf-shim with ${runtime}: lifetime and exec`, () => {
    let fx: ShimFixture;
    before(async () => {
      fx = await createShimFixture(runtime, shimPath);
    });
    after(() => fx.cleanup());

    const options = (c: TestContainer, extra: Partial<SpawnShimOptions> = {}) => fx.spawnOptions(c, extra);

    it('outlives the process that spawned it: keeps logging, and a new client can attach and stop it', async () => {
      const script = 'while :; do echo tick; sleep 0.05; done & read word; echo "bye $word"';
      const c = await fx.container(['sh', '-c', script]);
      const { shim, child } = await spawnShimInChild(options(c, { stdin: true }));
      assert.notEqual(await parentPid(shim.shimPid), child.pid, 'the shim is not the child of its spawner');
      child.kill('SIGKILL');
      await once(child, 'exit');
      assert.ok(await shimAlive(c.stateDir));

      assert.equal((await fx.runtimeCmd('start', c.id)).code, 0);
      await waitUntil(async () => (await readLogRecords(c.logPath)).length >= 3, 'the log has ticks');
      const seen = (await readLogRecords(c.logPath)).length;
      await waitUntil(async () => (await readLogRecords(c.logPath)).length > seen + 2, 'the log keeps growing');

      const conn = await attachShim(c.stateDir);
      const out = collect(conn);
      await out.waitFor('tick');
      await conn.writeStdin(Buffer.from('now\n'));
      assert.equal((await out.exit).exitCode, 0);
      assert.ok(out.text().endsWith('bye now\n'), out.text());
      await waitUntil(async () => !(await shimAlive(c.stateDir)), 'the shim exits');
    });

    it('runs an exec (--detach) in a running container, its output kept for the first client', async () => {
      const c = await fx.container(['sleep', '1000']);
      await spawnShim(options(c));
      await fx.runtimeCmd('start', c.id);

      const quick = await fx.processFile(['sh', '-c', 'echo exec-out; echo exec-err >&2; exit 4']);
      const quickDir = path.join(c.stateDir, 'exec-quick');
      const { pid } = await spawnShim({ ...options(c, { exec: quick, stateDir: quickDir }), bundle: undefined, log: undefined });
      assert.ok(pid > 0);
      await new Promise((r) => setTimeout(r, 300)); // the exec has surely finished by now
      const q = collect(await attachShim(quickDir));
      assert.equal((await q.exit).exitCode, 4);
      assert.equal(q.text('stdout'), 'exec-out\n');
      assert.equal(q.text('stderr'), 'exec-err\n');

      const catFile = await fx.processFile(['cat']);
      const catDir = path.join(c.stateDir, 'exec-cat');
      await spawnShim({ ...options(c, { exec: catFile, stateDir: catDir, stdin: true }), bundle: undefined, log: undefined });
      const catConn = await attachShim(catDir);
      const cat = collect(catConn);
      await catConn.writeStdin(Buffer.from('through cat'));
      await catConn.closeStdin();
      assert.equal((await cat.exit).exitCode, 0);
      assert.equal(cat.text(), 'through cat');

      // crun 1.8 applies an exec's consoleSize racily, so size it as Docker's CLI does: resize after start.
      const ttyFile = await fx.processFile(['sh', '-c', 'tty; read go; stty size'], { tty: true });
      const ttyDir = path.join(c.stateDir, 'exec-tty');
      await spawnShim({ ...options(c, { exec: ttyFile, stateDir: ttyDir, tty: true, stdin: true }), bundle: undefined, log: undefined });
      const ttyConn = await attachShim(ttyDir);
      const t = collect(ttyConn);
      await t.waitFor('/dev/pts/');
      ttyConn.resize(20, 70);
      await ttyConn.writeStdin(Buffer.from('\n'));
      assert.equal((await t.exit).exitCode, 0);
      assert.match(t.text(), /^\/dev\/pts\/\d+\r\n\r\n20 70\r\n$/);

      const state = JSON.parse((await fx.runtimeCmd('state', c.id)).stdout) as { status: string };
      assert.equal(state.status, 'running', 'the container itself keeps running');
      for (const dir of [quickDir, catDir, ttyDir]) {
        await waitUntil(async () => !(await shimAlive(dir)), 'the exec shim exits');
      }
      await fx.runtimeCmd('kill', c.id, 'KILL');
      await waitUntil(async () => !(await shimAlive(c.stateDir)), 'the container shim exits');
    });
  });
}
