/**
 * Validation of a pushed manifest: JSON, schema version, media type (body vs Content-Type), the
 * descriptors it holds, and what it references. The registry stores the exact bytes; this only
 * reads them.
 */
import { isDigest } from '../lib/digest.js';
import type { Descriptor } from '../spec/oci/image.js';
import { isIndexType, isManifestType, MediaType } from '../spec/oci/media-types.js';
import { registryError } from './registry-error.js';

/** The largest manifest accepted (the spec asks registries to take at least 4 MB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The media types a manifest may be pushed as. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
];

/** What the registry needs to know about a manifest. */
export interface ParsedManifest {
  mediaType: string;
  kind: 'manifest' | 'index';
  /** Config and layers that must exist as blobs in the repository. */
  blobs: Descriptor[];
  /** Child manifests (of an index) that must exist in the repository. */
  manifests: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  configMediaType?: string;
  annotations?: Record<string, string>;
}

const invalid = (message: string, detail?: unknown) => registryError('MANIFEST_INVALID', `manifest invalid: ${message}`, { detail });

/** The media type without parameters, or undefined for generic types that say nothing. */
function cleanContentType(ct: string | undefined): string | undefined {
  const t = ct?.split(';')[0]?.trim().toLowerCase();
  if (!t || t === 'application/json' || t === 'application/octet-stream') return undefined;
  return t;
}

function descriptor(v: unknown, where: string): Descriptor {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${where} is not a descriptor`);
  const d = v as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' || d.mediaType === '') throw invalid(`${where}: mediaType missing`);
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw invalid(`${where}: invalid digest ${JSON.stringify(d.digest)}`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw invalid(`${where}: invalid size`);
  if (d.urls !== undefined && (!Array.isArray(d.urls) || d.urls.some((u) => typeof u !== 'string'))) throw invalid(`${where}: invalid urls`);
  return v as Descriptor;
}

function descriptors(v: unknown, where: string): Descriptor[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where} is not a list`);
  return v.map((d, i) => descriptor(d, `${where}[${i}]`));
}

/** Chooses the media type from the body's field and the Content-Type header. */
function mediaTypeOf(doc: Record<string, unknown>, contentType: string | undefined): string {
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const header = cleanContentType(contentType);
  if (declared && header && declared !== header) {
    throw invalid(`mediaType in manifest (${declared}) does not match Content-Type (${header})`);
  }
  const mt = declared ?? header ?? ('manifests' in doc ? MediaType.ociIndex : MediaType.ociManifest);
  if (!MANIFEST_MEDIA_TYPES.includes(mt)) throw invalid(`unsupported manifest media type ${mt}`, { mediaType: mt });
  return mt;
}

/** A layer stored elsewhere (Windows base layers): its blob need not be in the registry. */
function isForeign(d: Descriptor): boolean {
  return (d.urls?.length ?? 0) > 0 && (d.mediaType.includes('foreign') || d.mediaType.includes('nondistributable'));
}

/** Parses and validates manifest bytes; throws MANIFEST_INVALID with the reason. */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw invalid(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('not a JSON object');
  const m = doc as Record<string, unknown>;
  if (m.schemaVersion === 1) throw invalid('schema 1 manifests are not supported');
  if (m.schemaVersion !== 2) throw invalid(`unsupported schemaVersion ${JSON.stringify(m.schemaVersion)}`);
  const mediaType = mediaTypeOf(m, contentType);
  const subject = m.subject === undefined ? undefined : descriptor(m.subject, 'subject');
  const annotations = m.annotations as Record<string, string> | undefined;
  const artifactType = typeof m.artifactType === 'string' ? m.artifactType : undefined;
  if (isIndexType(mediaType)) {
    if (!Array.isArray(m.manifests)) throw invalid('index without a manifests list');
    const manifests = descriptors(m.manifests, 'manifests');
    return { mediaType, kind: 'index', blobs: [], manifests, subject, artifactType, annotations };
  }
  if (!isManifestType(mediaType)) throw invalid(`unsupported manifest media type ${mediaType}`);
  const config = descriptor(m.config, 'config');
  const layers = descriptors(m.layers, 'layers');
  if (mediaType === MediaType.dockerManifest && !Array.isArray(m.layers)) throw invalid('layers missing');
  const blobs = [config, ...layers.filter((l) => !isForeign(l))];
  return { mediaType, kind: 'manifest', blobs, manifests: [], subject, artifactType, configMediaType: config.mediaType, annotations };
}

/** The descriptor the referrers API lists for a manifest with a subject. */
export function referrerDescriptor(p: ParsedManifest, digest: Descriptor['digest'], size: number): Descriptor {
  const d: Descriptor = { mediaType: p.mediaType, digest, size };
  // An image manifest without artifactType is listed under its config's media type; an index
  // without one has none.
  const artifactType = p.artifactType ?? (p.kind === 'manifest' ? p.configMediaType : undefined);
  if (artifactType) d.artifactType = artifactType;
  if (p.annotations && Object.keys(p.annotations).length > 0) d.annotations = p.annotations;
  return d;
}
