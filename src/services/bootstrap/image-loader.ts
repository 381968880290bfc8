import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where a bootstrapped image goes. The CLI adapts the Engine API client's `POST /images/load`
 * to it; `fileImageLoader` writes the archive to disk instead.
 */
export interface ImageLoader {
  /** Takes a Docker-archive tar stream; resolves once it is stored. */
  load(archive: Readable): Promise<void>;
}

/** An ImageLoader that writes the archive to a file (for `docker load -i` on any daemon). */
export function fileImageLoader(file: string): ImageLoader {
  return { load: (archive) => pipeline(archive, createWriteStream(file)) };
}
