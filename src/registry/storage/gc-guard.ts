import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { conflict, errnoCode } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { registryError } from '../registry-error.js';
import { listDir, readTextIfExists } from './fs-util.js';
import type { Layout } from './layout.js';

/** How long a manifest push waits for a running gc before answering 503. */
const MAX_WAIT_MS = 10 * 60_000;
const POLL_MS = 100;

/** True while process `pid` exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * The handshake between manifest pushes (in the registry process) and `wharf registry gc` (another
 * process on the same root), so that gc can never delete a blob that a manifest being committed
 * references.
 *
 * A push, before checking anything, *pins* the digests it is about to reference
 * (`gc/pins/<id>.json`), then looks for `gc/lock`: if a live gc holds it the push drops its pin,
 * waits and starts over. Otherwise it validates and commits, then drops the pin. gc creates the
 * lock first and reads the pins after. Either the push saw no lock — then its pin existed before
 * the lock, so gc reads it and treats those digests as referenced — or it saw the lock and waited.
 * A pin or lock left by a dead process (checked by pid on this host) is ignored and removed.
 */
export class GcGuard {
  constructor(private readonly layout: Layout) {}

  /** Runs `commit` with `digests` pinned and no gc running. */
  async withPins<T>(digests: readonly Digest[], commit: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + MAX_WAIT_MS;
    for (;;) {
      const pin = await this.pin(digests);
      try {
        if (!(await this.gcRunning())) return await commit();
      } finally {
        await fs.rm(pin, { force: true });
      }
      if (Date.now() > deadline) throw registryError('UNAVAILABLE', 'garbage collection is running; try again later');
      while ((await this.gcRunning()) && Date.now() <= deadline) await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async pin(digests: readonly Digest[]): Promise<string> {
    const file = path.join(this.layout.pinDir, `${process.pid}-${randomBytes(8).toString('hex')}.json`);
    const tmp = path.join(this.layout.pinDir, `.tmp-${path.basename(file)}`);
    // Written then renamed so gc never reads half a pin; no fsync: a pin only matters while this
    // process lives, and after a crash it is stale anyway.
    await fs.writeFile(tmp, JSON.stringify({ pid: process.pid, digests }));
    await fs.rename(tmp, file);
    return file;
  }

  /** True when a live gc holds the lock. */
  async gcRunning(): Promise<boolean> {
    const text = await readTextIfExists(path.join(this.layout.gcDir, 'lock'));
    if (text === undefined) return false;
    try {
      return alive((JSON.parse(text) as { pid: number }).pid);
    } catch {
      // Being written this instant (create then write): treat as held.
      return true;
    }
  }

  /** gc: takes the lock (Conflict if a live gc holds it) and returns its release function. */
  async lock(): Promise<() => Promise<void>> {
    const file = path.join(this.layout.gcDir, 'lock');
    for (let attempt = 0; ; attempt++) {
      try {
        // O_EXCL create: of two gcs starting together exactly one wins.
        await fs.writeFile(file, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }), { flag: 'wx' });
        return () => fs.rm(file, { force: true });
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        if (attempt > 0 || (await this.gcRunning())) throw conflict('another garbage collection is running');
        await fs.rm(file, { force: true }); // left by a gc that died
      }
    }
  }

  /** gc (holding the lock): every digest pinned by a live push; stale pins are removed. */
  async pinned(): Promise<Set<Digest>> {
    const out = new Set<Digest>();
    for (const name of await listDir(this.layout.pinDir)) {
      const file = path.join(this.layout.pinDir, name);
      if (name.startsWith('.tmp-')) continue;
      const text = await readTextIfExists(file);
      if (text === undefined) continue;
      const pin = JSON.parse(text) as { pid: number; digests: Digest[] };
      if (!alive(pin.pid)) {
        await fs.rm(file, { force: true });
        continue;
      }
      for (const d of pin.digests) out.add(d);
    }
    return out;
  }
}
