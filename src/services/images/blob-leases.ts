import type { BlobInfo } from '../../core/content/content-store.js';
import type { Digest } from '../../lib/digest.js';

/** The blobs one load or import has stored so far. */
export interface BlobLease {
  add(blob: BlobInfo): void;
  /**
   * Ends the lease. Returns its blobs that no other live lease holds: the caller may delete those
   * that no image references either.
   */
  release(): Digest[];
}

/**
 * Leases on blobs stored by loads and imports still in progress (containerd's leases, in
 * miniature). A failed load removes the blobs it stored, but two loads may store the same blob
 * at once: a blob is only given up when no live lease holds it.
 */
export class BlobLeases {
  private readonly held = new Map<Digest, number>();

  lease(): BlobLease {
    const mine = new Set<Digest>();
    let released = false;
    return {
      add: (blob) => {
        if (released || mine.has(blob.digest)) return;
        mine.add(blob.digest);
        this.held.set(blob.digest, (this.held.get(blob.digest) ?? 0) + 1);
      },
      release: () => {
        if (released) return [];
        released = true;
        const free: Digest[] = [];
        for (const d of mine) {
          const n = (this.held.get(d) ?? 1) - 1;
          if (n > 0) this.held.set(d, n);
          else {
            this.held.delete(d);
            free.push(d);
          }
        }
        return free;
      },
    };
  }
}
