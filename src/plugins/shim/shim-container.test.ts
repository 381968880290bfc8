import assert from 'node:assert/strict';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RuntimeErrorDetail } from '../../core/runtime/runtime.js';
import { isKind, type WharfError } from '../../errdefs/index.js';
import { attachShim } from './attach-shim.js';
import { readExit } from './read-exit.js';
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
import { spawnShim } from './spawn-shim.js';

const shimPath = await buildShimForTests();

for (const runtime of ['runc', 'crun']) {
  describe(`wharf-shim with ${runtime}: containers without a tty`, () => {
    let fx: ShimFixture;
    before(async () => {
      fx = await createShimFixture(runtime, shimPath);
    });
    after(() => fx.cleanup());

    const spawn = (c: TestContainer, opts: { stdin?: boolean } = {}) => spawnShim(fx.spawnOptions(c, opts));

    /** Waits for the shim to finish: exit.json there, the shim process gone, socket removed. */
    async function shimDone(c: TestContainer): Promise<void> {
      await waitUntil(async () => !(await shimAlive(c.stateDir)), 'the shim exits');
      await assert.rejects(fs.access(path.join(c.stateDir, 'attach.sock')));
    }

    it('logs stdout and stderr as Docker json-file lines, escaped like Docker, and reports exit 3', async () => {
      const script = String.raw`echo out; echo err >&2; printf 'tab\there\001<&>"\\\342\200\250\377\n'; printf partial; exit 3`;
      const c = await fx.container(['sh', '-c', script]);
      const { pid, shimPid } = await spawn(c);
      assert.ok(pid > 0 && shimPid > 0 && pid !== shimPid);
      assert.equal((await fx.runtimeCmd('state', c.id)).stdout.includes('"created"'), true);
      const client = collect(await attachShim(c.stateDir));
      assert.equal((await fx.runtimeCmd('start', c.id)).code, 0);
      const exit = await client.exit;
      assert.equal(exit.exitCode, 3);
      assert.equal(exit.signal, null);
      assert.match(exit.exitedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
      assert.deepEqual(await readExit(c.stateDir), exit);
      assert.equal(client.text('stdout'), 'out\ntab\there\x01<&>"\\\u2028\ufffd\npartial');
      assert.equal(client.text('stderr'), 'err\n');

      const raw = (await fs.readFile(c.logPath, 'utf8')).split('\n').filter(Boolean);
      const stdout = raw.filter((l) => l.includes('"stream":"stdout"'));
      assert.equal(raw.length, 4);
      assert.match(stdout[0], /^\{"log":"out\\n","stream":"stdout","time":"[^"]+"\}$/);
      // Docker escapes \t as \u0009, < > & as \u00XX, U+2028, and each invalid byte as \ufffd.
      assert.ok(stdout[1].startsWith(String.raw`{"log":"tab\u0009here\u0001\u003c\u0026\u003e\"\\\u2028\ufffd\n","stream":"stdout"`));
      assert.ok(stdout[2].startsWith('{"log":"partial","stream":"stdout"'), 'a last partial line is flushed');
      const recs = await readLogRecords(c.logPath);
      assert.deepEqual(
        recs.filter((r) => r.stream === 'stderr').map((r) => r.log),
        ['err\n'],
      );
      await shimDone(c);
    });

    it('reports exit 0, and 137 with signal 9 for SIGKILL', async () => {
      const ok = await fx.container(['true']);
      await spawn(ok);
      const okClient = collect(await attachShim(ok.stateDir));
      await fx.runtimeCmd('start', ok.id);
      assert.equal((await okClient.exit).exitCode, 0);

      const killed = await fx.container(['sleep', '100']);
      await spawn(killed);
      const client = collect(await attachShim(killed.stateDir));
      await fx.runtimeCmd('start', killed.id);
      assert.equal((await fx.runtimeCmd('kill', killed.id, 'KILL')).code, 0);
      const exit = await client.exit;
      assert.equal(exit.exitCode, 137);
      assert.equal(exit.signal, 9);
      await shimDone(ok);
      await shimDone(killed);
    });

    it('forwards stdin and closes it on EOF', async () => {
      const c = await fx.container(['sh', '-c', 'cat; echo "cat saw EOF"']);
      await spawn(c, { stdin: true });
      const client = collect(await attachShim(c.stateDir));
      const conn = await attachShim(c.stateDir);
      await fx.runtimeCmd('start', c.id);
      await conn.writeStdin(Buffer.from('hello\n'));
      await client.waitFor('hello\n');
      await conn.writeStdin(Buffer.alloc(200_000, 'x')); // several frames, more than a pipe holds
      await conn.closeStdin();
      const exit = await client.exit;
      assert.equal(exit.exitCode, 0);
      assert.equal(client.text(), `hello\n${'x'.repeat(200_000)}cat saw EOF\n`);
      conn.close();
      await shimDone(c);
    });

    it('reports the runtime error for a missing program, as Docker maps it (127)', async () => {
      const c = await fx.container(['/nosuch-program']);
      const err = (await spawn(c).then(
        () => assert.fail('spawnShim should fail'),
        (e: unknown) => e,
      )) as WharfError;
      assert.ok(isKind(err, 'InvalidArgument'), String(err));
      assert.match(err.message, /nosuch-program/);
      assert.equal((err.cause as RuntimeErrorDetail).exitCode, 127);
      await shimDone(c);
    });

    it('fans output out to two clients; a client after the exit gets the exit at once', async () => {
      const c = await fx.container(['sh', '-c', 'read line; echo "got $line"; echo bye >&2']);
      await spawn(c, { stdin: true });
      const a = collect(await attachShim(c.stateDir));
      const bConn = await attachShim(c.stateDir);
      const b = collect(bConn);
      await fx.runtimeCmd('start', c.id);
      await bConn.writeStdin(Buffer.from('ping\n'));
      const [ea, eb] = await Promise.all([a.exit, b.exit]);
      assert.deepEqual(ea, eb);
      for (const seen of [a, b]) {
        assert.equal(seen.text('stdout'), 'got ping\n');
        assert.equal(seen.text('stderr'), 'bye\n');
      }
      await shimDone(c);
      const late = collect(await attachShim(c.stateDir));
      assert.deepEqual(await late.exit, ea);
    });

    it('drops a client that does not read, without blocking the container or losing log lines', async () => {
      // 10,000 lines of ~1 KiB: 10 MiB, well past the 4 MiB a client may fall behind.
      const lines = 10_000;
      const script = `l=$(head -c 1000 /dev/zero | tr '\\0' a); awk -v l="$l" 'BEGIN{for(i=1;i<=${lines};i++) print i, l}'`;
      const c = await fx.container(['sh', '-c', script]);
      await spawn(c);
      // A raw client that never reads: once the kernel buffers fill, its queue in the shim grows.
      const stalled = net.connect(path.join(c.stateDir, 'attach.sock'));
      stalled.pause();
      await once(stalled, 'connect');
      const t0 = Date.now();
      await fx.runtimeCmd('start', c.id);
      // No reading client here: under CPU contention any client may fall 4 MiB behind a 10 MiB
      // burst and be dropped too. The exit is read from exit.json.
      await waitUntil(async () => (await readExit(c.stateDir)) !== undefined, 'the container exits', 20_000);
      assert.equal((await readExit(c.stateDir))!.exitCode, 0);
      assert.ok(Date.now() - t0 < 20_000, 'the container was not held up by the stalled client');
      stalled.destroy();
      const shimLog = await fs.readFile(path.join(c.stateDir, 'shim.log'), 'utf8');
      assert.match(shimLog, /dropping attach client: output queue full/);
      const recs = await readLogRecords(c.logPath);
      assert.equal(recs.length, lines);
      assert.deepEqual(
        recs.map((r) => Number.parseInt(r.log, 10)),
        Array.from({ length: lines }, (_, i) => i + 1),
      );
      assert.ok(recs.every((r) => r.log.length === String(r.log.split(' ')[0]).length + 1002));
      await shimDone(c);
    });
  });
}
