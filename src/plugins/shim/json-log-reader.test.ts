import assert from 'node:assert/strict';
import { appendFileSync, promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { type JsonLogEntry, readJsonLog } from './json-log-reader.js';
import { formatFixedNanos, parseLogTime } from './log-time.js';

const BASE_NS = parseLogTime('2026-01-02T03:04:05Z');

/** One json-file line as the shim writes it; entry i is at BASE + i ms. */
function line(i: number, text = `line ${i}\n`, stream = 'stdout'): string {
  const ns = BASE_NS + BigInt(i) * 1_000_000n;
  const secs = formatFixedNanos(ns).replace(/\.?0+Z$/, 'Z');
  return `${JSON.stringify({ log: text, stream, time: secs })}\n`;
}

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => line(from + k)).join('');

async function collectAll(it: AsyncIterable<JsonLogEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(e.line.toString());
  return out;
}
const texts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => `line ${from + k}\n`);

describe('readJsonLog', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-jsonlog-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));
  /** A fresh log path with rotated files .2, .1 and the live file holding the given contents. */
  async function log(live: string, ...rotated: string[]): Promise<string> {
    const file = path.join(dir, `c${++n}-json.log`);
    await fs.writeFile(file, live);
    for (const [i, content] of rotated.entries()) await fs.writeFile(`${file}.${i + 1}`, content);
    return file;
  }

  it('parses and formats nanosecond timestamps like Go', () => {
    assert.equal(parseLogTime('2026-11-22T10:00:00.123456789Z'), 1795341600123456789n);
    assert.equal(parseLogTime('2026-11-22T10:00:00.5Z'), 1795341600500000000n);
    assert.equal(parseLogTime('2026-11-22T11:00:00.5+01:00'), 1795341600500000000n);
    assert.equal(formatFixedNanos(1795341600500000000n), '2026-11-22T10:00:00.500000000Z');
    assert.throws(() => parseLogTime('yesterday'), (e: unknown) => isKind(e, 'InvalidArgument'));
  });

  it('reads rotated files oldest first, then the live file; ignores an unfinished last line', async () => {
    const file = await log(`${lines(21, 30)}{"log":"unfin`, lines(11, 20), lines(1, 10));
    assert.deepEqual(await collectAll(readJsonLog(file)), texts(1, 30));
  });

  it('tails across files, including lines longer than a read chunk', async () => {
    const big = 'x'.repeat(150_000);
    const file = await log(`${line(3, `${big}\n`)}${line(4)}{"partial`, `${line(1)}${line(2, `${big}\n`)}`);
    const all = await collectAll(readJsonLog(file));
    assert.equal(all.length, 4);
    assert.deepEqual(await collectAll(readJsonLog(file, { tail: 2 })), [`${big}\n`, 'line 4\n']);
    assert.deepEqual(await collectAll(readJsonLog(file, { tail: 3 })), [`${big}\n`, `${big}\n`, 'line 4\n']);
    assert.deepEqual(await collectAll(readJsonLog(file, { tail: 10 })), all);
    assert.deepEqual(await collectAll(readJsonLog(file, { tail: 0 })), []);
    assert.deepEqual(await collectAll(readJsonLog(file, { tail: -1 })), all);
  });

  it('filters by since (inclusive) and stops after until; prefixes Docker timestamps', async () => {
    const file = await log(lines(11, 20), lines(1, 10));
    const at = (i: number) => BASE_NS + BigInt(i) * 1_000_000n;
    assert.deepEqual(await collectAll(readJsonLog(file, { since: at(8), until: at(12) })), texts(8, 12));
    assert.deepEqual(await collectAll(readJsonLog(file, { since: new Date(Number(at(19) / 1_000_000n)) })), texts(19, 20));
    assert.deepEqual(await collectAll(readJsonLog(file, { tail: 3, since: at(19) })), texts(19, 20), 'tail applies before since');
    const [first] = await collectAll(readJsonLog(file, { timestamps: true, tail: 1 }));
    assert.equal(first, `${formatFixedNanos(at(20))} line 20\n`);
  });

  it('follows appends and a rename rotation, then stops when told', async () => {
    const file = await log(`${lines(1, 3)}{"log":"li`);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of readJsonLog(file, { follow: true, stopFollowing: stopped, pollMs: 50 })) seen.push(e.line.toString());
    })();
    const until = async (count: number) => {
      for (let t = 0; seen.length < count; t++) {
        if (t > 200) assert.fail(`only ${seen.length} of ${count} lines: ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(3);
    // Finish the partial line, then append more.
    await fs.appendFile(file, `${line(4).slice('{"log":"li'.length)}${lines(5, 6)}`);
    await until(6);
    // Rotate like the shim (rename + new file), with a last line written just before the rename.
    await fs.appendFile(file, line(7));
    await fs.rename(file, `${file}.1`);
    await fs.writeFile(file, lines(8, 9));
    await until(9);
    await fs.appendFile(file, line(10));
    stop();
    await reading;
    assert.deepEqual(seen, texts(1, 10), 'every line once, in order, including the one written just before the stop');
  });

  it('follows an unlink rotation (max-file 1)', async () => {
    const file = await log(lines(1, 2));
    const ac = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of readJsonLog(file, { follow: true, signal: ac.signal, pollMs: 50 })) seen.push(e.line.toString());
    })();
    for (let t = 0; seen.length < 2 && t < 200; t++) await new Promise((r) => setTimeout(r, 10));
    await fs.unlink(file);
    await fs.writeFile(file, lines(3, 4));
    for (let t = 0; seen.length < 4 && t < 200; t++) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await reading;
    assert.deepEqual(seen, texts(1, 4));
  });

  it('follows through several rotations that happen between two reads, skipping no file', async () => {
    const file = await log(lines(1, 2));
    /** The shim's rotation with max-files 4, done synchronously so the follower cannot look in between. */
    const rotate = (next: string) => {
      rmSync(`${file}.3`, { force: true });
      for (const i of [2, 1]) {
        try {
          renameSync(`${file}.${i}`, `${file}.${i + 1}`);
        } catch {
          /* not there yet */
        }
      }
      renameSync(file, `${file}.1`);
      writeFileSync(file, next);
    };
    const ac = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of readJsonLog(file, { follow: true, signal: ac.signal, pollMs: 50 })) seen.push(e.line.toString());
    })();
    for (let t = 0; seen.length < 2; t++) {
      if (t > 200) assert.fail('the first lines were not read');
      await new Promise((r) => setTimeout(r, 10));
    }
    appendFileSync(file, line(3));
    rotate(line(4));
    rotate(line(5));
    appendFileSync(file, line(6));
    rotate(line(7)); // the file holding line 2 and 3 is now FILE.3; 4 and 5-6 are FILE.2 and FILE.1
    for (let t = 0; seen.length < 7 && t < 200; t++) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await reading;
    assert.deepEqual(seen, texts(1, 7));
  });

  it('ends a follow at once when aborted, and with tail 0 only shows new lines', async () => {
    const file = await log(lines(1, 5));
    const ac = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of readJsonLog(file, { follow: true, tail: 0, signal: ac.signal, pollMs: 60_000 })) seen.push(e.line.toString());
    })();
    await new Promise((r) => setTimeout(r, 50));
    await fs.appendFile(file, line(6));
    for (let t = 0; seen.length < 1 && t < 200; t++) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    ac.abort();
    await reading;
    assert.ok(Date.now() - t0 < 1000, 'abort does not wait for the poll interval');
    assert.deepEqual(seen, ['line 6\n']);
  });
});
