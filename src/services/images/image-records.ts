import type { ContentStore } from '../../core/content/content-store.js';
import type { ImageRecord, LayerRecord } from '../../core/images/image-store.js';
import { invalidArgument } from '../../errdefs/index.js';
import { type Digest, isDigest, sha256 } from '../../lib/digest.js';
import type { Descriptor, ImageConfigFile, Manifest } from '../../spec/oci/image.js';
import { MediaType } from '../../spec/oci/media-types.js';

/** Parses and checks an image config: JSON, a layers rootfs of sha256 diffIDs, a Linux image. */
export function parseImageConfig(bytes: Buffer): ImageConfigFile {
  let cfg: ImageConfigFile;
  try {
    cfg = JSON.parse(bytes.toString('utf8')) as ImageConfigFile;
  } catch (err) {
    throw invalidArgument(`invalid image config: ${(err as Error).message}`);
  }
  if (!cfg || typeof cfg !== 'object' || !cfg.rootfs || !Array.isArray(cfg.rootfs.diff_ids)) throw invalidArgument('invalid image config: no rootfs');
  for (const d of cfg.rootfs.diff_ids) if (!isDigest(d)) throw invalidArgument(`invalid image config: bad diffID ${JSON.stringify(d)}`);
  if (cfg.os && cfg.os !== 'linux') throw invalidArgument(`cannot load ${cfg.os} image on linux`);
  return cfg;
}

/** An OCI manifest for a config and its stored layer blobs (for save and push). */
export function manifestFor(config: Descriptor, layers: LayerRecord[]): Buffer {
  const m: Manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: layers.map((l) => l.blob) };
  return Buffer.from(JSON.stringify(m));
}

/** True when an existing manifest describes exactly this config and these stored blobs. */
export function manifestMatches(raw: Buffer, configId: Digest, layers: LayerRecord[]): boolean {
  try {
    const m = JSON.parse(raw.toString('utf8')) as Manifest;
    return m.config?.digest === configId && m.layers.length === layers.length && m.layers.every((d, i) => d.digest === layers[i]!.blob.digest);
  } catch {
    return false;
  }
}

export interface NewImage {
  configBytes: Buffer;
  config: ImageConfigFile;
  layers: LayerRecord[];
  /** An original manifest to keep when it matches the stored blobs (keeps its digest). */
  manifest?: Buffer;
  parent?: Digest;
}

/**
 * Stores an image's config and manifest blobs and returns its record (not yet in the store). The
 * ID is the config's digest, so the same config bytes give the same ID everywhere.
 */
export async function storeImageBlobs(content: ContentStore, img: NewImage): Promise<ImageRecord> {
  const id = sha256(img.configBytes);
  const configDesc: Descriptor = { mediaType: MediaType.ociConfig, digest: id, size: img.configBytes.length };
  await content.writeBytes(img.configBytes, { digest: id });
  const manifestBytes = img.manifest && manifestMatches(img.manifest, id, img.layers) ? img.manifest : manifestFor(configDesc, img.layers);
  const manifest = await content.writeBytes(manifestBytes);
  let mediaType: string = MediaType.ociManifest;
  try {
    mediaType = (JSON.parse(manifestBytes.toString('utf8')) as Manifest).mediaType ?? MediaType.ociManifest;
  } catch {
    // manifestFor output is always JSON; an original one was parsed before.
  }
  const record: ImageRecord = {
    id,
    configSize: img.configBytes.length,
    configMediaType: MediaType.ociConfig,
    manifest: { mediaType, digest: manifest.digest, size: manifest.size },
    created: img.config.created ?? '',
    labels: img.config.config?.Labels ?? null,
    layers: img.layers,
    size: img.layers.reduce((n, l) => n + l.size, 0),
    lastTagTime: '',
  };
  if (img.parent) record.parent = img.parent;
  return record;
}

/** Layer blob descriptor for an uncompressed layer tar stored under its diffID. */
export function layerBlob(diffID: Digest, size: number): Descriptor {
  return { mediaType: MediaType.ociLayer, digest: diffID, size };
}
