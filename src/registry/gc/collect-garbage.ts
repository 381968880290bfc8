import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../../errdefs/index.js';
import { type Digest, isDigest } from '../../lib/digest.js';
import { listDir, removeFile } from '../storage/fs-util.js';
import { openRegistryStorage, type RegistryStorage } from '../storage/registry-storage.js';
import { markFrom, markRepository } from './mark.js';

export interface GcOptions {
  root: string;
  /** Unreferenced blobs and links changed more recently than this are kept (default 1 h). */
  graceMs?: number;
  /** Upload sessions untouched this long are removed (default 24 h). */
  uploadMaxAgeMs?: number;
  /** Also delete manifests that no tag reaches (through indexes and referrers). */
  deleteUntagged?: boolean;
  /** Report what would go, delete nothing. */
  dryRun?: boolean;
  /** The clock (tests inject one). */
  now?: () => number;
}

export interface GcReport {
  blobsMarked: number;
  blobsDeleted: Digest[];
  bytesFreed: number;
  manifestsDeleted: { repository: string; digest: Digest }[];
  linksRemoved: number;
  uploadsPurged: number;
}

export const DEFAULT_GRACE_MS = 60 * 60_000;
export const DEFAULT_UPLOAD_MAX_AGE_MS = 24 * 60 * 60_000;
const TEMP_MAX_AGE_MS = 60 * 60_000;

/**
 * `wharf registry gc`: mark and sweep, safe to run while the registry serves pushes.
 *
 * The rule: a blob is deleted only when (1) no manifest recorded in any repository references
 * it — as config, layer, or through an index's children (with `deleteUntagged`, only manifests
 * reachable from tags, from manifests younger than the grace period, and from referrers of kept
 * manifests count) — and (2) no manifest push in progress has pinned it (see GcGuard), and
 * (3) its file is older than the grace period: uploads, re-uploads and cross-repository mounts
 * refresh a blob's mtime, so layers pushed ahead of their manifest survive. Deletion renames the
 * blob into trash/ and checks the mtime again there, restoring it if it was refreshed meanwhile.
 * Repository links whose blob is gone and that are themselves older than the grace period are
 * removed; upload sessions untouched for `uploadMaxAgeMs` are purged.
 */
export async function collectGarbage(opts: GcOptions): Promise<GcReport> {
  const s = await openRegistryStorage(opts.root);
  const release = await s.guard.lock();
  try {
    return await collectLocked(s, opts);
  } finally {
    await release();
  }
}

async function collectLocked(s: RegistryStorage, opts: GcOptions): Promise<GcReport> {
  const now = (opts.now ?? Date.now)();
  const cutoffMs = now - (opts.graceMs ?? DEFAULT_GRACE_MS);
  const dry = opts.dryRun ?? false;
  const report: GcReport = { blobsMarked: 0, blobsDeleted: [], bytesFreed: 0, manifestsDeleted: [], linksRemoved: 0, uploadsPurged: 0 };
  // Pins are read after taking the lock: a push that pinned before the lock is seen here, and
  // one that comes later waits for the lock (GcGuard).
  const pinned = await s.guard.pinned();
  const marked = new Set<Digest>(pinned);
  await markFrom(s, pinned, marked);
  const repos = await s.repos.allRepositories();
  for (const name of repos) {
    const doomed = await markRepository(s, name, marked, { deleteUntagged: opts.deleteUntagged ?? false, cutoffMs, pinned });
    for (const digest of doomed) {
      if (!dry) await deleteManifest(s, name, digest);
      report.manifestsDeleted.push({ repository: name, digest });
    }
  }
  report.blobsMarked = marked.size;
  await recoverTrash(s, marked);
  await sweepBlobs(s, marked, cutoffMs, dry, report);
  if (!dry) {
    report.linksRemoved = await sweepLinks(s, repos, cutoffMs);
    report.uploadsPurged = await purgeUploads(s, now - (opts.uploadMaxAgeMs ?? DEFAULT_UPLOAD_MAX_AGE_MS));
    // A temp file may belong to a manifest write that began before the lock: give it an hour.
    await purgeTemps(s, Math.min(cutoffMs, now - TEMP_MAX_AGE_MS));
  }
  return report;
}

async function deleteManifest(s: RegistryStorage, name: string, digest: Digest): Promise<void> {
  const bytes = await s.blobs.readBytes(digest);
  await s.repos.deleteRevision(name, digest);
  try {
    const subject = bytes && (JSON.parse(bytes.toString()) as { subject?: { digest?: string } }).subject?.digest;
    if (subject && isDigest(subject)) await s.repos.removeReferrer(name, subject, digest);
  } catch {
    // Not JSON: nothing referred.
  }
}

/** Blobs left in trash/ by a gc that died mid-delete: put back if wanted, else finish the delete. */
async function recoverTrash(s: RegistryStorage, marked: ReadonlySet<Digest>): Promise<void> {
  for (const name of await listDir(s.layout.trashDir)) {
    const file = path.join(s.layout.trashDir, name);
    const digest = `sha256:${name.split('-')[0]}`;
    if (isDigest(digest) && marked.has(digest) && (await s.blobs.size(digest)) === undefined) {
      await fs.rename(file, s.layout.blob(digest));
    } else {
      await fs.rm(file, { force: true });
    }
  }
}

async function mtimeMs(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

async function sweepBlobs(s: RegistryStorage, marked: ReadonlySet<Digest>, cutoffMs: number, dry: boolean, report: GcReport): Promise<void> {
  for (const digest of await s.blobs.list()) {
    if (marked.has(digest)) continue;
    const file = s.layout.blob(digest);
    const before = await fs.stat(file).catch(() => undefined);
    if (!before || before.mtimeMs >= cutoffMs) continue;
    if (!dry) {
      // Rename first, then look again: a commit or mount that refreshed the blob between the
      // stat and the rename shows up as a recent mtime on the renamed file, which goes back.
      const trash = path.join(s.layout.trashDir, `${digest.slice(7)}-${randomBytes(4).toString('hex')}`);
      try {
        await fs.rename(file, trash);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
      const after = await mtimeMs(trash);
      if (after !== undefined && after >= cutoffMs) {
        await fs.rename(trash, file);
        continue;
      }
      await fs.rm(trash, { force: true });
    }
    report.blobsDeleted.push(digest);
    report.bytesFreed += before.size;
  }
}

/** Removes repository links whose blob is gone, when the link itself is old. */
async function sweepLinks(s: RegistryStorage, repos: readonly string[], cutoffMs: number): Promise<number> {
  let n = 0;
  for (const name of repos) {
    for (const link of await s.repos.blobLinks(name)) {
      if (link.mtimeMs >= cutoffMs || (await mtimeMs(s.layout.blob(link.digest))) !== undefined) continue;
      if (await removeFile(s.layout.layerLink(name, link.digest))) n++;
    }
  }
  return n;
}

async function purgeUploads(s: RegistryStorage, olderThanMs: number): Promise<number> {
  let n = 0;
  for (const u of await s.uploads.sessions()) {
    if (u.mtimeMs >= olderThanMs) continue;
    await s.uploads.remove(u.uuid);
    n++;
  }
  return n;
}

/** Temp files of manifest writes interrupted by a crash. */
async function purgeTemps(s: RegistryStorage, cutoffMs: number): Promise<void> {
  for (const name of await listDir(s.layout.tmpDir)) {
    const file = path.join(s.layout.tmpDir, name);
    const m = await mtimeMs(file);
    if (m !== undefined && m < cutoffMs) await fs.rm(file, { force: true });
  }
}
