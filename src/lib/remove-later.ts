import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errdefs/index.js';

/** Deletions still running in the background (awaited by {@link removalsSettled}). */
const pending = new Set<Promise<void>>();

/**
 * Takes a directory off the caller's path: renamed at once into `trash` (a directory on the same
 * filesystem, so the rename is atomic and the name is free again), deleted in the background.
 * The recursive delete of even a small tree is several round trips through the thread pool, and
 * it sat on the path of every `docker run --rm`. What a crash leaves in `trash` is the owner's to
 * clear at start-up. A missing `dir` is not an error; where the rename fails otherwise, the
 * directory is deleted here instead.
 */
export async function removeLater(dir: string, trash: string): Promise<void> {
  const doomed = path.join(trash, `${path.basename(dir)}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.rename(dir, doomed);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && !(await exists(dir))) return;
    await fs.rm(dir, { recursive: true, force: true });
    return;
  }
  const p: Promise<void> = fs
    .rm(doomed, { recursive: true, force: true })
    .catch(() => undefined)
    .finally(() => pending.delete(p));
  pending.add(p);
}

/** Resolves once every background deletion started so far has finished (shutdown, tests). */
export async function removalsSettled(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );
