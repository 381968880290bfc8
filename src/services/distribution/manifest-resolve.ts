/**
 * From a reference to the one image manifest to pull: fetch the tag's (or digest's) manifest; an
 * image index / manifest list is narrowed to the entry for the wanted platform (linux and this
 * machine's architecture unless the client asked for another), whose manifest is fetched by
 * digest. The digest printed and recorded (RepoDigest) is the top-level one, as dockerd does.
 */
import { invalidArgument, notFound } from '../../errdefs/index.js';
import { type Digest, isDigest } from '../../lib/digest.js';
import type { RepositoryClient } from '../../plugins/registry-client/repository-client.js';
import type { Descriptor, Index, Manifest, Platform } from '../../spec/oci/image.js';
import { isIndexType, isManifestType } from '../../spec/oci/media-types.js';
import { goArch } from '../system/system-service.js';

export interface ResolvedManifest {
  /** Digest of what the reference named (an index's digest for a multi-platform image). */
  digest: Digest;
  /** The platform image's manifest. */
  manifest: Manifest;
  /** Its media type (Docker schema2 or OCI). */
  mediaType: string;
}

/** The platform a pull selects by default: linux on this machine's architecture. */
export function defaultPlatform(): Platform {
  const architecture = goArch();
  return architecture === 'arm64' ? { os: 'linux', architecture, variant: 'v8' } : { os: 'linux', architecture };
}

/** Parses the `platform` query parameter (`os[/arch[/variant]]`); empty gives the default. */
export function parsePlatform(s: string | undefined): Platform {
  if (!s) return defaultPlatform();
  const [os, architecture, variant, extra] = s.toLowerCase().split('/');
  if (!os || extra !== undefined) throw invalidArgument(`"${s}": unknown operating system or architecture: invalid argument`);
  const p: Platform = { os, architecture: architecture ?? defaultPlatform().architecture };
  if (variant) p.variant = variant;
  return p;
}

function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** containerd's platform matcher, in miniature: os and architecture equal; variant if asked. */
function matches(want: Platform, have: Platform | undefined): boolean {
  if (!have || have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  // arm64's default variant v8 matches entries that leave it out.
  return have.variant === want.variant || (!have.variant && want.architecture === 'arm64' && want.variant === 'v8');
}

function parseJSON<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw invalidArgument(`invalid ${what}: ${(err as Error).message}`);
  }
}

function checkDescriptor(d: unknown, what: string): asserts d is Descriptor {
  const x = d as Partial<Descriptor> | null;
  if (!x || typeof x !== 'object' || typeof x.digest !== 'string' || !isDigest(x.digest) || typeof x.size !== 'number' || x.size < 0) {
    throw invalidArgument(`invalid manifest: bad ${what} descriptor`);
  }
}

/** Parses and checks an image manifest: a config and sha256 layer descriptors. */
export function parseManifest(bytes: Buffer): Manifest {
  const m = parseJSON<Manifest>(bytes, 'manifest');
  if (!m || typeof m !== 'object' || m.schemaVersion !== 2) throw invalidArgument('invalid manifest: unsupported schemaVersion');
  checkDescriptor(m.config, 'config');
  if (!Array.isArray(m.layers)) throw invalidArgument('invalid manifest: no layers');
  for (const l of m.layers) checkDescriptor(l, 'layer');
  return m;
}

/** Picks the index entry for `platform`, or fails as dockerd does. */
export function selectPlatform(index: Index, platform: Platform): Descriptor {
  const found = (index.manifests ?? []).find((d) => isManifestType(d?.mediaType) && matches(platform, d.platform));
  if (!found) throw notFound(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries`);
  checkDescriptor(found, 'manifest');
  return found;
}

/** Resolves `reference` (a tag or digest) of `repo` to an image manifest for `platform`. */
export async function resolveManifest(repo: RepositoryClient, reference: string, platform: Platform, signal?: AbortSignal): Promise<ResolvedManifest> {
  const top = await repo.getManifest(reference, signal);
  if (isManifestType(top.mediaType)) return { digest: top.digest, manifest: parseManifest(top.bytes), mediaType: top.mediaType };
  if (!isIndexType(top.mediaType)) throw invalidArgument(`unsupported manifest media type ${JSON.stringify(top.mediaType)} for ${reference}`);
  const index = parseJSON<Index>(top.bytes, 'manifest list');
  if (!Array.isArray(index.manifests)) throw invalidArgument('invalid manifest list: no manifests');
  const entry = selectPlatform(index, platform);
  const child = await repo.getManifest(entry.digest, signal);
  if (!isManifestType(child.mediaType)) throw invalidArgument(`unsupported manifest media type ${JSON.stringify(child.mediaType)} in the manifest list`);
  return { digest: top.digest, manifest: parseManifest(child.bytes), mediaType: child.mediaType };
}
