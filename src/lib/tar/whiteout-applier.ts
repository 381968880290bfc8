import { promises as fs } from 'node:fs';
import { errnoCode, invalidArgument } from '../../errdefs/index.js';
import type { DeferredOps } from './deferred-ops.js';
import type { LayerTree } from './layer-tree.js';
import { baseOf, parentOf } from './secure-path.js';

/** How OCI whiteouts (`.wh.NAME`, `.wh..wh..opq`) are applied. */
export type WhiteoutMode = 'overlay' | 'delete';

/**
 * Applies OCI whiteout entries. In 'overlay' mode they become what overlayfs reads in a lower
 * layer: a 0:0 character device for `.wh.NAME`, the `trusted.overlay.opaque=y` xattr for
 * `.wh..wh..opq`. In 'delete' mode (a flattened rootfs) they delete what lower layers left.
 */
export class WhiteoutApplier {
  constructor(
    private readonly tree: LayerTree,
    private readonly deferred: DeferredOps,
    private readonly mode: WhiteoutMode,
    /** In 'delete' mode: the paths this layer wrote, which an opaque marker keeps. */
    private readonly written?: Set<string>,
  ) {}

  /** Applies the whiteout entry at `rel` (its base name starts with `.wh.`). */
  async apply(rel: string, entryName: string): Promise<void> {
    const dir = parentOf(rel);
    const name = baseOf(rel).slice('.wh.'.length);
    if (name.startsWith('.wh.')) {
      // `.wh..wh..opq` marks an opaque directory; other `.wh..wh.` names are AUFS metadata
      // (hardlink dirs) that carry nothing for overlay, and Docker skips them too.
      if (name === '.wh..opq') await this.opaque(dir, rel, entryName);
      return;
    }
    if (name === '' || name === '.' || name === '..') throw invalidArgument(`invalid whiteout entry ${JSON.stringify(entryName)}`);
    const target = dir === '' ? name : `${dir}/${name}`;
    if (this.deferred.touches(target)) await this.deferred.flush();
    if (this.mode === 'overlay') {
      await this.tree.ensureParents(target, entryName);
      const existing = await this.tree.lstat(target);
      if (existing) await this.tree.remove(target, existing.isDirectory());
      await this.deferred.whiteout(target);
      return;
    }
    if (!(await this.tree.parentsExist(target, entryName))) return;
    const existing = await this.tree.lstat(target);
    if (existing) await this.tree.remove(target, existing.isDirectory());
  }

  private async opaque(dir: string, markerRel: string, entryName: string): Promise<void> {
    if (this.mode === 'overlay') {
      await this.tree.ensureParents(markerRel, entryName);
      this.deferred.setXattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
      return;
    }
    if (!(await this.tree.parentsExist(markerRel, entryName))) return;
    if (this.deferred.hasPendingWithin(dir)) await this.deferred.flush();
    await this.removeLowerEntries(dir);
  }

  /** 'delete' mode opaque: removes everything under `dir` that this layer did not write. */
  private async removeLowerEntries(dir: string): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.tree.abs(dir));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
      throw err;
    }
    for (const n of names) {
      const child = dir === '' ? n : `${dir}/${n}`;
      const st = await this.tree.lstat(child);
      if (!st) continue;
      if (!this.written!.has(child)) await this.tree.remove(child, st.isDirectory());
      else if (st.isDirectory()) await this.removeLowerEntries(child);
    }
  }
}
