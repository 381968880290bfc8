import { createHash } from 'node:crypto';
import { isKind, notFound } from '../../errdefs/index.js';
import { checksumSources } from '../context/index.js';
import type { CopySource } from './copy-files.js';

/** moby hashStringSlice: `prefix:` + sha256 of the hashes joined by commas. */
export function hashStringSlice(prefix: string, hashes: readonly string[]): string {
  return `${prefix}:${createHash('sha256').update(hashes.join(',')).digest('hex')}`;
}

/** The hash a COPY/ADD's history and cache key carry: one group's own, several combined (moby getSourceHashFromInfos). */
export function combinedHash(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : hashStringSlice('multi', parts);
}

/** Sources found under one root, with the checksum of them all. */
export interface SourceGroup {
  sources: CopySource[];
  hash: string;
}

/**
 * Resolves source paths under `root` (the build context, or a `--from` image's root filesystem)
 * with the context module's rules — wildcards, `..` refused, symlinks resolved inside the root —
 * and checksums them (content and the metadata Docker counts, never mtimes).
 */
export async function resolveGroup(root: string, patterns: readonly string[], kind: 'COPY' | 'ADD', fromImage: boolean): Promise<SourceGroup> {
  try {
    const sum = await checksumSources(root, patterns, { instruction: kind });
    return {
      hash: sum.summary,
      sources: sum.sources.map((s) => ({ name: s.path, hostPath: s.hostPath, isDir: s.type === 'directory', hash: sum.summary })),
    };
  } catch (err) {
    // In an image there is no .dockerignore to blame (dockerd says just `stat NAME: …`).
    if (fromImage && isKind(err, 'NotFound')) {
      throw notFound((err as Error).message.replace('file not found in build context or excluded by .dockerignore: ', ''), { cause: err });
    }
    throw err;
  }
}

/** A heredoc source's hash (its content is all there is to it). */
export function inlineHash(data: Buffer): string {
  return `file:${createHash('sha256').update(data).digest('hex')}`;
}
