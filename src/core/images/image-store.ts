import type { Digest } from '../../lib/digest.js';
import type { Descriptor } from '../../spec/oci/image.js';
import type { NamedReference } from '../../spec/reference.js';

/** One layer of an image, in stack order (bottom first). */
export interface LayerRecord {
  /** sha256 of the uncompressed layer tar. */
  diffID: Digest;
  /** ChainID of the stack up to and including this layer: the snapshot key. */
  chainID: Digest;
  /**
   * Docker's DiffSize: bytes of this layer's own files on disk (regular files and symlinks,
   * hardlinks once, directories 0). Computed once when the layer is unpacked.
   */
  size: number;
  /** The layer's blob in the content store (Wharf keeps uncompressed tars: digest = diffID). */
  blob: Descriptor;
}

/**
 * An image as the store keeps it: everything `images` needs is here, so listing never touches
 * the disk. The config blob (whose digest is the ID) stays in the content store.
 */
export interface ImageRecord {
  /** The image ID: digest of the config blob. */
  id: Digest;
  configSize: number;
  /** Media type the config had where it came from (OCI or Docker). */
  configMediaType: string;
  /** The manifest describing this image in the content store (for save and push). */
  manifest?: Descriptor;
  /** The image this one was built on (`docker build`), if known locally. */
  parent?: Digest;
  /** `created` of the config, RFC 3339 with nanoseconds as written there; '' when absent. */
  created: string;
  /** `config.Labels` of the config (for list output and label filters). */
  labels: Record<string, string> | null;
  layers: LayerRecord[];
  /** Sum of the layers' sizes (Docker's `Size`). */
  size: number;
  /** When a tag was last put on the image (RFC 3339); '' when never tagged. */
  lastTagTime: string;
}

/**
 * The image records and the references (tags and repository digests) that name them.
 *
 * Implementations keep everything in memory and persist each change crash-safely before the
 * returned promise resolves: a crash at any instant leaves the previous or the new state. A
 * reference always points at an existing record (references to a vanished record are dropped on
 * open). References are stored normalised (`docker.io/library/busybox:latest`).
 */
export interface ImageStore {
  /** Every image, in no particular order. */
  list(): ImageRecord[];
  get(id: Digest): ImageRecord | undefined;
  count(): number;
  /**
   * Finds an image by a full ID (`sha256:<64 hex>` or 64 hex), or a unique ID prefix (with or
   * without `sha256:`). undefined when none; NotFound-free: ambiguity yields `'ambiguous'`.
   */
  searchId(term: string): ImageRecord | undefined | 'ambiguous';
  /** The image a reference points at (tag or digest reference exactly as stored). */
  lookupRef(ref: NamedReference): Digest | undefined;
  /** References naming `id`: tags then digests, each sorted. */
  refsOf(id: Digest): NamedReference[];
  /** Every reference with its image. */
  allRefs(): Array<{ ref: NamedReference; id: Digest }>;
  /** Images whose `parent` is `id`. */
  children(id: Digest): ImageRecord[];
  /** Creates or replaces a record. */
  put(record: ImageRecord): Promise<void>;
  /**
   * Points `ref` (a tag, or a canonical `name@digest`) at `id`, moving it from any other image.
   * Updates `lastTagTime` of `id` unless `touch` is false (Docker's load and pull do not).
   * Returns the image the reference pointed at before, if any. NotFound when `id` has no record.
   */
  addRef(ref: NamedReference, id: Digest, touch?: boolean): Promise<Digest | undefined>;
  /** Removes a reference; returns the image it pointed at (undefined when it did not exist). */
  removeRef(ref: NamedReference): Promise<Digest | undefined>;
  /** Removes a record and every reference to it. */
  delete(id: Digest): Promise<void>;
}
