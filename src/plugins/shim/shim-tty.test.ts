import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attachShim } from './attach-shim.js';
import { buildShimForTests, collect, createShimFixture, readLogRecords, type ShimFixture, shimAlive, waitUntil } from './shim-fixture.js';
import { spawnShim } from './spawn-shim.js';

const shimPath = await buildShimForTests();

for (const runtime of ['runc', 'crun']) {
  describe(`wharf-shim with ${runtime}: a terminal`, () => {
    let fx: ShimFixture;
    before(async () => {
      fx = await createShimFixture(runtime, shimPath);
    });
    after(() => fx.cleanup());

    it('gives the container a pty: tty, resize seen by stty, input echoed, exit code', async () => {
      const c = await fx.container(['sh'], { tty: true });
      await spawnShim(fx.spawnOptions(c, { tty: true, stdin: true }));
      const conn = await attachShim(c.stateDir);
      const out = collect(conn);
      conn.resize(33, 111); // before start, as `docker run -t` sizes the terminal
      await fx.runtimeCmd('start', c.id);
      await conn.writeStdin(Buffer.from('tty\n'));
      await out.waitFor('/dev/pts/0');
      await conn.writeStdin(Buffer.from('stty size\n'));
      await out.waitFor('33 111');
      conn.resize(44, 122);
      await conn.writeStdin(Buffer.from("echo size=$(stty size) 'ec''ho'\n"));
      await out.waitFor('size=44 122 echo');
      // The terminal echoes what was typed: the command line itself appears in the output.
      assert.ok(out.text().includes("echo size=$(stty size) 'ec''ho'"), out.text());
      await conn.closeStdin(); // ignored with a tty: the shell must keep running
      await conn.writeStdin(Buffer.from('exit 5\n'));
      const exit = await out.exit;
      assert.equal(exit.exitCode, 5);
      assert.equal(out.text('stderr'), '', 'with a tty everything is stdout');
      const recs = await readLogRecords(c.logPath);
      assert.ok(recs.every((r) => r.stream === 'stdout'));
      const logged = recs.map((r) => r.log).join('');
      assert.ok(logged.includes('/dev/pts/0\r\n'), logged);
      assert.equal(logged, out.text(), 'the log holds exactly what the client saw');
      await waitUntil(async () => !(await shimAlive(c.stateDir)), 'the shim exits');
    });

    it('works with a state dir whose socket paths are longer than sun_path', async () => {
      const c = await fx.container(['sh'], { tty: true });
      const stateDir = path.join(fx.dir, 'd'.repeat(60), 'e'.repeat(60), c.id);
      assert.ok(path.join(stateDir, 'attach.sock').length > 108);
      await spawnShim(fx.spawnOptions(c, { stateDir, tty: true, stdin: true, log: undefined }));
      const conn = await attachShim(stateDir);
      const out = collect(conn);
      await fx.runtimeCmd('start', c.id);
      await conn.writeStdin(Buffer.from('tty; exit 2\n'));
      assert.equal((await out.exit).exitCode, 2);
      assert.ok(out.text().includes('/dev/pts/0'), out.text());
      await waitUntil(async () => !(await shimAlive(stateDir)), 'the shim exits');
      const leftovers = (await fs.readdir('/tmp')).filter((n) => n.startsWith('wharf-shim-') && n.length === 'wharf-shim-XXXXXX'.length);
      for (const n of leftovers) assert.ok(!(await fs.readdir(`/tmp/${n}`).catch(() => [] as string[])).includes('console.sock'));
    });

    it('runs a tty process without stdin (docker run -t)', async () => {
      const c = await fx.container(['sh', '-c', 'tty; echo done'], { tty: true });
      await spawnShim(fx.spawnOptions(c, { tty: true }));
      const out = collect(await attachShim(c.stateDir));
      await fx.runtimeCmd('start', c.id);
      assert.equal((await out.exit).exitCode, 0);
      assert.equal(out.text(), '/dev/pts/0\r\ndone\r\n');
    });
  });
}
