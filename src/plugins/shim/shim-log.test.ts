import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attachShim } from './attach-shim.js';
import { type JsonLogEntry, readJsonLog } from './json-log-reader.js';
import { buildShimForTests, collect, createShimFixture, type ShimFixture, type TestContainer } from './shim-fixture.js';
import { type ShimLogOptions, spawnShim } from './spawn-shim.js';

const shimPath = await buildShimForTests();

async function collectAll(it: AsyncIterable<JsonLogEntry>): Promise<JsonLogEntry[]> {
  const out: JsonLogEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const numbers = (entries: JsonLogEntry[]) => entries.map((e) => Number.parseInt(e.line.toString(), 10));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const runtime of ['runc', 'crun']) {
  describe(`wharf-shim with ${runtime}: json-file log rotation and reading`, () => {
    let fx: ShimFixture;
    before(async () => {
      fx = await createShimFixture(runtime, shimPath);
    });
    after(() => fx.cleanup());

    /** Runs `args` to completion with the given log options; returns the container. */
    async function run(args: string[], log: Omit<ShimLogOptions, 'path'>, during?: (c: TestContainer) => Promise<void>) {
      const c = await fx.container(args);
      await spawnShim(fx.spawnOptions(c, { log: { path: c.logPath, ...log } }));
      const client = collect(await attachShim(c.stateDir));
      const following = during?.(c);
      await fx.runtimeCmd('start', c.id);
      assert.equal((await client.exit).exitCode, 0);
      await following;
      return c;
    }

    it('rotates at max-size, keeps max-files, and the reader finds the newest lines in order', async () => {
      const c = await run(['seq', '1', '2000'], { maxSize: 4096, maxFiles: 3 });
      const names = (await fs.readdir(c.stateDir)).filter((n) => n.startsWith(path.basename(c.logPath))).sort();
      const base = path.basename(c.logPath);
      assert.deepEqual(names, [base, `${base}.1`, `${base}.2`]);
      for (const n of names) assert.ok((await fs.stat(path.join(c.stateDir, n))).size <= 4096, `${n} is within max-size`);
      const got = numbers(await collectAll(readJsonLog(c.logPath)));
      // The oldest files were deleted: what is left is a gap-free run that ends with the last line.
      assert.ok(got.length > 100 && got.length < 200, `${got.length} lines kept`);
      assert.deepEqual(got, range(2001 - got.length, 2000));
    });

    it('loses nothing across rotated files', async () => {
      const c = await run(['seq', '1', '2000'], { maxSize: 4096, maxFiles: 100 });
      const base = path.basename(c.logPath);
      const names = (await fs.readdir(c.stateDir)).filter((n) => n.startsWith(base));
      assert.ok(names.length > 20, `${names.length} files`);
      assert.deepEqual(numbers(await collectAll(readJsonLog(c.logPath))), range(1, 2000));
      const tail = await collectAll(readJsonLog(c.logPath, { tail: 150 }));
      assert.deepEqual(numbers(tail), range(1851, 2000), 'tail reads back across files');
    });

    it('follows the live log through rotations while the container writes', async () => {
      const script = 'i=1; while [ $i -le 300 ]; do echo $i; [ $((i % 25)) = 0 ] && sleep 0.05; i=$((i+1)); done';
      const followed: JsonLogEntry[] = [];
      let sawBeforeEnd = 0;
      const c = await run(['sh', '-c', script], { maxSize: 2048, maxFiles: 50 }, async (c) => {
        const exited = attachShim(c.stateDir).then((conn) => new Promise((resolve) => conn.onExit(resolve)));
        let done = false;
        void exited.then(() => {
          done = true;
        });
        for await (const e of readJsonLog(c.logPath, { follow: true, stopFollowing: exited, pollMs: 5000 })) {
          followed.push(e);
          if (!done) sawBeforeEnd++;
        }
      });
      assert.ok(sawBeforeEnd > 0, 'lines were read while the container was still writing');
      assert.deepEqual(numbers(followed), range(1, 300));
      const base = path.basename(c.logPath);
      assert.ok((await fs.readdir(c.stateDir)).includes(`${base}.3`), 'the log rotated while followed');
    });
  });
}
