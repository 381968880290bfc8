/**
 * Media types of OCI image-spec v1 and Docker's image manifest schema 2, and helpers to classify
 * them. Docker schema2 and OCI types are wire-compatible for our purposes: the JSON shapes of a
 * manifest, an index (manifest list) and a config are the same.
 */
export const MediaType = {
  // OCI image-spec v1
  ociDescriptor: 'application/vnd.oci.descriptor.v1+json',
  ociLayoutHeader: 'application/vnd.oci.layout.header.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  // Docker image manifest v2 schema 2
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export type KnownMediaType = (typeof MediaType)[keyof typeof MediaType];

const MANIFESTS = new Set<string>([MediaType.ociManifest, MediaType.dockerManifest]);
const INDEXES = new Set<string>([MediaType.ociIndex, MediaType.dockerManifestList]);
const CONFIGS = new Set<string>([MediaType.ociConfig, MediaType.dockerConfig]);
const LAYERS = new Set<string>([
  MediaType.ociLayer,
  MediaType.ociLayerGzip,
  MediaType.ociLayerZstd,
  MediaType.ociLayerNondistributable,
  MediaType.ociLayerNondistributableGzip,
  MediaType.dockerLayer,
  MediaType.dockerLayerGzip,
  MediaType.dockerForeignLayerGzip,
]);

export function isManifestType(mt: string | undefined): boolean {
  return mt !== undefined && MANIFESTS.has(mt);
}

export function isIndexType(mt: string | undefined): boolean {
  return mt !== undefined && INDEXES.has(mt);
}

export function isConfigType(mt: string | undefined): boolean {
  return mt !== undefined && CONFIGS.has(mt);
}

export function isLayerType(mt: string | undefined): boolean {
  return mt !== undefined && LAYERS.has(mt);
}

/** The compression a layer media type implies. */
export function layerCompression(mt: string): 'none' | 'gzip' | 'zstd' {
  if (mt.endsWith('+gzip') || mt.endsWith('.tar.gzip')) return 'gzip';
  if (mt.endsWith('+zstd')) return 'zstd';
  return 'none';
}
