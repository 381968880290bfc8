import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BlobStore } from './blob-store.js';
import { GcGuard } from './gc-guard.js';
import { Layout } from './layout.js';
import { RepositoryStore } from './repository-store.js';
import { UploadStore } from './upload-store.js';

/** The registry's storage on one root: blobs, repositories, uploads and the gc handshake. */
export interface RegistryStorage {
  layout: Layout;
  blobs: BlobStore;
  repos: RepositoryStore;
  uploads: UploadStore;
  guard: GcGuard;
}

/**
 * Opens (creating if needed) a registry root. Unlike the engine's content store this removes
 * nothing at open: upload sessions are meant to survive restarts, and a gc in another process
 * may be working on the same root. Leftovers are gc's to clean.
 */
export async function openRegistryStorage(root: string): Promise<RegistryStorage> {
  const layout = new Layout(path.resolve(root));
  for (const dir of layout.dirs()) await fs.mkdir(dir, { recursive: true });
  const blobs = new BlobStore(layout);
  return {
    layout,
    blobs,
    repos: new RepositoryStore(layout, blobs),
    uploads: new UploadStore(layout, blobs),
    guard: new GcGuard(layout),
  };
}
