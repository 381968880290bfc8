/**
 * The manifest a push uploads: Docker image manifest v2 schema 2 (what dockerd 20.10 pushes),
 * serialised exactly as Go's distribution library does (`json.MarshalIndent(m, "", "   ")`:
 * three-space indent, fields in struct order), so the same image pushed by dockerd and by wharfd
 * with the same layer blobs gets the same manifest digest.
 */
import type { Descriptor } from '../../spec/oci/image.js';
import { MediaType } from '../../spec/oci/media-types.js';

/** A descriptor in schema2's field order (mediaType, size, digest). */
function ordered(d: Descriptor): { mediaType: string; size: number; digest: string } {
  return { mediaType: d.mediaType, size: d.size, digest: d.digest };
}

/** The schema2 manifest bytes for a config and layer blobs (bottom layer first). */
export function schema2Manifest(config: Descriptor, layers: Descriptor[]): Buffer {
  const m = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: ordered({ ...config, mediaType: MediaType.dockerConfig }),
    layers: layers.map(ordered),
  };
  // Go's encoder escapes <, > and & in strings; digests and media types never contain them.
  return Buffer.from(JSON.stringify(m, null, 3));
}
