import type { ImageRecord, ImageStore } from '../../core/images/image-store.js';
import type { ImageUsage } from '../../core/images/image-usage.js';
import { conflict } from '../../errdefs/index.js';
import { type Digest, shortId } from '../../lib/digest.js';
import type { ImageDeleteResponseItem } from '../../spec/engine/types.js';
import { familiarString, type NamedReference, parseNormalizedNamed, repositoryName, tagNameOnly } from '../../spec/reference.js';
import { isImageIdPrefix, resolveImage } from './image-resolver.js';

/** What removal needs besides the store: freeing an image's layers, and telling the event bus. */
export interface RemoverDeps {
  store: ImageStore;
  usage: ImageUsage;
  /** Deletes the record, then layers and blobs nobody else uses; returns removed chainIDs, top first. */
  release(record: ImageRecord): Promise<Digest[]>;
  event(action: 'untag' | 'delete', id: Digest): void;
}

/** Docker's conflict kinds for image deletion (daemon/images/image_delete.go). */
const HARD = { child: 1, running: 2 } as const;
const SOFT = { reference: 4, stopped: 8 } as const;

function deleteConflict(id: Digest, hard: boolean, message: string): Error {
  return conflict(`conflict: unable to delete ${shortId(id)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${message}`);
}

/** True when all references are in one repository with at most one tag (Docker's isSingleReference). */
function isSingleReference(refs: NamedReference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const tags = refs.filter((r) => !r.digest);
  if (tags.length > 1) return false;
  const single = tags[0] ?? refs[0]!;
  const canonicalRepos = new Set(refs.filter((r) => r.digest).map(repositoryName));
  return canonicalRepos.size === 1 && canonicalRepos.has(repositoryName(single));
}

/** `docker rmi` with Docker's semantics: untag first, delete when no reference is left. */
export class ImageRemover {
  constructor(private readonly d: RemoverDeps) {}

  private conflictFor(r: ImageRecord, mask: number): Error | undefined {
    if (mask & HARD.child && this.d.store.children(r.id).length > 0) return deleteConflict(r.id, true, 'image has dependent child images');
    const users = this.d.usage.usersOf(r.id);
    const running = users.find((u) => u.running);
    if (mask & HARD.running && running) return deleteConflict(r.id, true, `image is being used by running container ${shortId(running.id)}`);
    if (mask & SOFT.reference && this.d.store.refsOf(r.id).length > 0) return deleteConflict(r.id, false, 'image is referenced in multiple repositories');
    const stopped = users.find((u) => !u.running);
    if (mask & SOFT.stopped && stopped) return deleteConflict(r.id, false, `image is being used by stopped container ${shortId(stopped.id)}`);
    return undefined;
  }

  private async untag(ref: NamedReference, id: Digest, out: ImageDeleteResponseItem[]): Promise<void> {
    await this.d.store.removeRef(ref);
    this.d.event('untag', id);
    out.push({ Untagged: familiarString(ref) });
  }

  /** `DELETE /images/{name}`: the Untagged/Deleted items, or a Conflict as dockerd words it. */
  async remove(name: string, opts: { force?: boolean; prune?: boolean } = {}): Promise<ImageDeleteResponseItem[]> {
    const force = opts.force ?? false;
    const prune = opts.prune ?? true;
    const r = resolveImage(this.d.store, name);
    const out: ImageDeleteResponseItem[] = [];
    let refs = this.d.store.refsOf(r.id);
    let removedRepositoryRef = false;
    if (!isImageIdPrefix(r.id, name)) {
      // A reference was named: remove it; the image goes too only if nothing else names it.
      const user = this.d.usage.usersOf(r.id)[0];
      if (!force && isSingleReference(refs) && user) {
        throw conflict(
          `conflict: unable to remove repository reference "${name}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(r.id)}`,
        );
      }
      let parsed = parseNormalizedNamed(name);
      if (!parsed.digest) parsed = tagNameOnly(parsed);
      else parsed = { domain: parsed.domain, path: parsed.path, digest: parsed.digest };
      // Idempotent as in Docker: the reference is reported untagged even if it only matched
      // through a manifest digest.
      const stored = parsed;
      await this.untag(stored, r.id, out);
      refs = this.d.store.refsOf(r.id);
      if (!stored.digest && !refs.some((x) => !x.digest && repositoryName(x) === repositoryName(stored))) {
        // The last tag of a repository went: its digest references go with it.
        for (const d of refs.filter((x) => x.digest && repositoryName(x) === repositoryName(stored))) await this.untag(d, r.id, out);
        refs = this.d.store.refsOf(r.id);
      }
      if (refs.length > 0) return out;
      removedRepositoryRef = true;
    } else if (isSingleReference(refs)) {
      const c = this.conflictFor(r, force ? HARD.child | HARD.running : HARD.child | HARD.running | SOFT.stopped);
      if (c) throw c;
      for (const ref of refs) await this.untag(ref, r.id, out);
    }
    await this.deleteHelper(r, out, { force, prune, quiet: removedRepositoryRef });
    return out;
  }

  private async deleteHelper(r: ImageRecord, out: ImageDeleteResponseItem[], o: { force: boolean; prune: boolean; quiet: boolean }): Promise<void> {
    const mask = HARD.child | HARD.running | (o.force ? 0 : SOFT.reference | SOFT.stopped);
    const c = this.conflictFor(r, mask);
    if (c) {
      const dangling = this.d.store.refsOf(r.id).length === 0;
      // Removing the last tag of an image that is still needed is fine: it just stays, untagged.
      if (o.quiet && (!dangling || this.d.usage.usersOf(r.id).length > 0)) return;
      throw c;
    }
    for (const ref of this.d.store.refsOf(r.id)) await this.untag(ref, r.id, out);
    const removedLayers = await this.d.release(r);
    this.d.event('delete', r.id);
    out.push({ Deleted: r.id });
    for (const chainID of removedLayers) out.push({ Deleted: chainID });
    if (!o.prune || !r.parent) return;
    const parent = this.d.store.get(r.parent);
    if (parent) await this.deleteHelper(parent, out, { force: false, prune: true, quiet: true });
  }
}

