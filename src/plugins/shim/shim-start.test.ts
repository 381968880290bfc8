import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RuntimeErrorDetail } from '../../core/runtime/runtime.js';
import { isKind, type WharfError } from '../../errdefs/index.js';
import { attachShim, endStartWindow } from './attach-shim.js';
import { readExit } from './read-exit.js';
import { buildShimForTests, collect, createShimFixture, readLogRecords, type ShimFixture, shimAlive, type TestContainer, waitUntil } from './shim-fixture.js';
import { spawnShim } from './spawn-shim.js';

// `--start`: the shim creates and starts the container in one runtime invocation (`run --detach`)
// and keeps the output from the start for every client of its start window.

const shimPath = await buildShimForTests();

for (const runtime of ['runc', 'crun']) {
  describe(`wharf-shim --start with ${runtime}`, () => {
    let fx: ShimFixture;
    before(async () => {
      fx = await createShimFixture(runtime, shimPath);
    });
    after(() => fx.cleanup());

    const spawn = (c: TestContainer, opts: { stdin?: boolean; tty?: boolean } = {}) => spawnShim(fx.spawnOptions(c, { ...opts, start: true }));

    it('runs the container at once; clients of the start window get its output from the start', async () => {
      const c = await fx.container(['sh', '-c', 'echo one; echo two >&2; exit 4']);
      const { pid } = await spawn(c);
      assert.ok(pid > 0);
      // The process may well have finished by now: nobody was attached while it ran.
      const a = collect(await attachShim(c.stateDir));
      const b = collect(await attachShim(c.stateDir));
      for (const client of [a, b]) {
        assert.equal((await client.exit).exitCode, 4);
        assert.equal(client.text('stdout'), 'one\n');
        assert.equal(client.text('stderr'), 'two\n');
      }
      assert.equal((await readExit(c.stateDir))?.exitCode, 4);
      assert.deepEqual(
        (await readLogRecords(c.logPath)).map((r) => [r.stream, r.log]),
        [
          ['stdout', 'one\n'],
          ['stderr', 'two\n'],
        ],
      );
      // Ending the window lets the shim go without waiting out its 5 s for clients.
      await endStartWindow(c.stateDir);
      await waitUntil(async () => !(await shimAlive(c.stateDir)), 'the shim exits', 4000);
    });

    it('after the window ends, a new client sees live output only', async () => {
      const c = await fx.container(['sh', '-c', 'echo early; read x; echo "late $x"']);
      await spawn(c, { stdin: true });
      const first = await attachShim(c.stateDir);
      const a = collect(first);
      await a.waitFor('early');
      await endStartWindow(c.stateDir);
      const b = collect(await attachShim(c.stateDir));
      await first.writeStdin(Buffer.from('go\n'));
      await a.waitFor('late go');
      await b.waitFor('late go');
      assert.equal(a.text(), 'early\nlate go\n');
      assert.equal(b.text(), 'late go\n');
      assert.equal((await b.exit).exitCode, 0);
    });

    it('keeps the terminal output from the start for a client of the window (tty)', async () => {
      const c = await fx.container(['sh', '-c', 'echo hello-tty'], { tty: true });
      await spawn(c, { tty: true });
      const a = collect(await attachShim(c.stateDir));
      assert.equal((await a.exit).exitCode, 0);
      assert.match(a.text(), /hello-tty\r\n/);
      await endStartWindow(c.stateDir);
    });

    it('reports a missing program in create words (exit 127), as Docker does', async () => {
      const c = await fx.container(['/nosuch-program']);
      const err = (await spawn(c).then(
        () => assert.fail('spawnShim should fail'),
        (e: unknown) => e,
      )) as WharfError;
      assert.ok(isKind(err, 'InvalidArgument'), String(err));
      assert.match(err.message, /nosuch-program/);
      assert.doesNotMatch(err.message, /runc run failed/);
      assert.equal((err.cause as RuntimeErrorDetail).exitCode, 127);
    });
  });
}
