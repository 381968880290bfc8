import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runContentStoreSuite } from '../../core/content/testsuite.js';
import { sha256 } from '../../lib/digest.js';
import { LocalContentStore } from './local-content-store.js';

const tmpRoots: string[] = [];
async function tmpRoot(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-content-'));
  tmpRoots.push(dir);
  return dir;
}
after(async () => {
  for (const d of tmpRoots) await fs.rm(d, { recursive: true, force: true });
});

runContentStoreSuite('LocalContentStore', async () => {
  const root = await tmpRoot();
  return { store: await LocalContentStore.open(root), cleanup: () => fs.rm(root, { recursive: true, force: true }) };
});

/** The module under test, as the child process must import it (tsx source or compiled JS). */
const selfModule = fileURLToPath(new URL(`./local-content-store${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

async function dirSizes(dir: string): Promise<number[]> {
  const names = await fs.readdir(dir);
  return Promise.all(names.map(async (n) => (await fs.stat(path.join(dir, n))).size));
}

describe('LocalContentStore on disk', () => {
  it('lays blobs out at blobs/sha256/<hex> as read-only files and survives reopen', async () => {
    const root = await tmpRoot();
    const cs = await LocalContentStore.open(root);
    const { digest } = await cs.writeBytes('persisted');
    const file = path.join(root, 'blobs/sha256', digest.slice(7));
    assert.equal(await fs.readFile(file, 'utf8'), 'persisted');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o444);
    const again = await LocalContentStore.open(root);
    assert.equal((await again.readBytes(digest)).toString(), 'persisted');
    assert.deepEqual(await again.list(), [digest]);
  });

  it('open removes stray ingest temps', async () => {
    const root = await tmpRoot();
    await LocalContentStore.open(root);
    await fs.writeFile(path.join(root, 'ingest', '123-deadbeef'), 'partial');
    await LocalContentStore.open(root);
    assert.deepEqual(await fs.readdir(path.join(root, 'ingest')), []);
  });

  it('a SIGKILL mid-ingest leaves no visible blob, and reopening cleans the temp', async () => {
    const root = await tmpRoot();
    // The child streams 32 MiB and then stalls forever, so the kill always lands mid-ingest.
    const script = `
      import { Readable } from 'node:stream';
      const { LocalContentStore } = await import(${JSON.stringify(selfModule)});
      const cs = await LocalContentStore.open(${JSON.stringify(root)});
      let n = 0;
      const src = new Readable({ read() { if (n < 32) this.push(Buffer.alloc(1 << 20, ++n)); } });
      await cs.ingest(src);
      console.log('ingest finished');
    `;
    const args = selfModule.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = spawn(process.execPath, [...args, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    const ingestDir = path.join(root, 'ingest');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const sizes = await dirSizes(ingestDir).catch(() => []);
      if (sizes.some((s) => s >= 16 << 20)) break;
      assert.ok(Date.now() < deadline, `child never wrote 16 MiB: ${out}`);
      assert.equal(child.exitCode, null, `child exited early: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.doesNotMatch(out, /ingest finished/);
    // Nothing became visible: no blob file, and the partial content has no digest entry.
    assert.deepEqual(await fs.readdir(path.join(root, 'blobs/sha256')), []);
    assert.equal((await fs.readdir(ingestDir)).length, 1, 'the partial temp is still there before reopen');
    const cs = await LocalContentStore.open(root);
    assert.deepEqual(await fs.readdir(ingestDir), []);
    assert.deepEqual(await cs.list(), []);
    // The store still works after the crash.
    const { digest } = await cs.writeBytes('after crash');
    assert.equal(digest, sha256('after crash'));
  });
});
