/**
 * Where the registry keeps things under its root. Everything lives on one filesystem so every
 * commit is a rename. Repository names never have a component starting with `_` or `.`, so the
 * `_layers`, `_manifests` and `_referrers` folders cannot collide with a nested repository, and
 * temp files (`.tmp-…`) never look like tags.
 *
 * ```
 * blobs/sha256/<hex>                                   blob bytes, once per digest (layers, configs, manifests)
 * uploads/<uuid>/{data,state.json}                     upload sessions (resumable: the offset is data's size)
 * tmp/                                                 temp files of manifest writes
 * repositories/<name>/_layers/sha256/<hex>             link: <name> may see this blob
 * repositories/<name>/_manifests/revisions/sha256/<hex> link: this manifest is in <name> ({"mediaType"})
 * repositories/<name>/_manifests/tags/<tag>            the digest the tag points at
 * repositories/<name>/_referrers/sha256/<subject-hex>/<hex>  descriptor of a manifest whose subject is <subject>
 * gc/lock, gc/pins/<id>                                the garbage collector's lock and in-flight commit pins
 * trash/                                               blobs being deleted by gc
 * ```
 */
import path from 'node:path';
import { type Digest, digestHex } from '../../lib/digest.js';

export class Layout {
  readonly blobDir: string;
  readonly uploadDir: string;
  readonly tmpDir: string;
  readonly repoDir: string;
  readonly gcDir: string;
  readonly pinDir: string;
  readonly trashDir: string;

  constructor(readonly root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.uploadDir = path.join(root, 'uploads');
    this.tmpDir = path.join(root, 'tmp');
    this.repoDir = path.join(root, 'repositories');
    this.gcDir = path.join(root, 'gc');
    this.pinDir = path.join(this.gcDir, 'pins');
    this.trashDir = path.join(root, 'trash');
  }

  /** Every folder the registry writes into, created at start. */
  dirs(): string[] {
    return [this.blobDir, this.uploadDir, this.tmpDir, this.repoDir, this.pinDir, this.trashDir];
  }

  blob(digest: Digest): string {
    return path.join(this.blobDir, digestHex(digest));
  }

  upload(uuid: string): string {
    return path.join(this.uploadDir, uuid);
  }

  repo(name: string): string {
    return path.join(this.repoDir, name);
  }

  layersDir(name: string): string {
    return path.join(this.repoDir, name, '_layers', 'sha256');
  }

  layerLink(name: string, digest: Digest): string {
    return path.join(this.layersDir(name), digestHex(digest));
  }

  manifestsDir(name: string): string {
    return path.join(this.repoDir, name, '_manifests');
  }

  revisionsDir(name: string): string {
    return path.join(this.manifestsDir(name), 'revisions', 'sha256');
  }

  revisionLink(name: string, digest: Digest): string {
    return path.join(this.revisionsDir(name), digestHex(digest));
  }

  tagsDir(name: string): string {
    return path.join(this.manifestsDir(name), 'tags');
  }

  tag(name: string, tag: string): string {
    return path.join(this.tagsDir(name), tag);
  }

  referrersDir(name: string, subject: Digest): string {
    return path.join(this.repoDir, name, '_referrers', 'sha256', digestHex(subject));
  }

  referrerLink(name: string, subject: Digest, digest: Digest): string {
    return path.join(this.referrersDir(name, subject), digestHex(digest));
  }
}
