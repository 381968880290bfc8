/**
 * The distribution API of one repository (`/v2/<name>/…`): manifests by tag or digest, blobs
 * (HEAD, GET, cross-repository mount) and upload sessions, tag lists. Digests are verified by
 * the callers that stream the content (they hash while they store); manifests, small and read
 * whole, are checked here.
 */
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { type Digest, isDigest, sha256 } from '../../lib/digest.js';
import { BlobUpload } from './blob-upload.js';
import type { RegistrySession } from './registry-session.js';
import { readLimited } from './token-auth.js';

/** Every manifest type a pull accepts, in dockerd's order of preference. */
export const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

/** dockerd refuses manifests over 4 MiB (distribution's maxManifestBodySize). */
export const MAX_MANIFEST_BYTES = 4 << 20;

export interface FetchedManifest {
  bytes: Buffer;
  /** From the Content-Type header, else the document's own `mediaType`. */
  mediaType: string;
  /** sha256 of the bytes (what a digest reference must match). */
  digest: Digest;
}

/** `Link: </v2/_catalog?last=b&n=2>; rel="next"` → the next page's path. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header.join(',') : header;
  if (!v) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(v);
  return m?.[1];
}

export class RepositoryClient {
  constructor(
    readonly session: RegistrySession,
    /** Repository path within the registry: `library/busybox`, `spy/built`. */
    readonly name: string,
    /** A push asks for one token with both actions for every request, as dockerd does. */
    private readonly mode: 'pull' | 'push' = 'pull',
  ) {}

  private get pullScope(): string[] {
    return this.mode === 'push' ? this.pushScope : [`repository:${this.name}:pull`];
  }

  private get pushScope(): string[] {
    return [`repository:${this.name}:pull,push`];
  }

  /** `GET /v2/<name>/manifests/<reference>`; a digest reference is verified against the bytes. */
  async getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await this.session.send({
      method: 'GET',
      path: `/v2/${this.name}/manifests/${reference}`,
      scopes: this.pullScope,
      headers: { Accept: MANIFEST_ACCEPT.join(', ') },
      signal,
    });
    const declared = Number(res.header('content-length'));
    if (Number.isFinite(declared) && declared > MAX_MANIFEST_BYTES) {
      await res.body.dump();
      throw invalidArgument(`manifest too big: ${declared} bytes (the limit is ${MAX_MANIFEST_BYTES})`);
    }
    const bytes = await readLimited(res.body, MAX_MANIFEST_BYTES).catch((err) => {
      throw invalidArgument(`manifest too big: ${(err as Error).message}`);
    });
    const digest = sha256(bytes);
    if (isDigest(reference) && digest !== reference) throw invalidArgument(`manifest verification failed for digest ${reference}`);
    let mediaType = (res.header('content-type') ?? '').split(';')[0]!.trim();
    if (!MANIFEST_ACCEPT.includes(mediaType)) {
      try {
        const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
        if (typeof doc.mediaType === 'string') mediaType = doc.mediaType;
        else mediaType = Array.isArray(doc.manifests) ? MANIFEST_ACCEPT[3]! : MANIFEST_ACCEPT[2]!;
      } catch {
        // Left as sent: the caller refuses an unknown type.
      }
    }
    return { bytes, mediaType, digest };
  }

  /** `PUT /v2/<name>/manifests/<reference>`; returns the digest the registry reports (or ours). */
  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    const res = await this.session.send({
      method: 'PUT',
      path: `/v2/${this.name}/manifests/${reference}`,
      scopes: this.pushScope,
      headers: { 'Content-Type': mediaType },
      body: bytes,
    });
    await res.body.dump();
    const ours = sha256(bytes);
    const theirs = res.header('docker-content-digest');
    if (theirs && theirs !== ours) throw invalidArgument(`registry reported manifest digest ${theirs}, expected ${ours}`);
    return ours;
  }

  /** `HEAD /v2/<name>/blobs/<digest>`: its size, or undefined when the repository lacks it. */
  async statBlob(digest: Digest, signal?: AbortSignal): Promise<{ size: number } | undefined> {
    const res = await this.session.send({
      method: 'HEAD',
      path: `/v2/${this.name}/blobs/${digest}`,
      scopes: this.pullScope,
      ok: (s) => s === 200 || s === 404,
      followRedirects: true,
      signal,
    });
    await res.body.dump();
    if (res.status === 404) return undefined;
    return { size: Number(res.header('content-length') ?? -1) };
  }

  /**
   * `GET /v2/<name>/blobs/<digest>`, following storage redirects. The caller verifies the bytes.
   * From `offset` > 0 it asks for the rest only (`Range: bytes=<offset>-`); `partial` tells
   * whether the registry honoured that (206) or sent the whole blob again (200).
   */
  async fetchBlob(digest: Digest, signal?: AbortSignal, offset = 0): Promise<{ body: Readable; size?: number; url: URL; partial: boolean }> {
    const headers = offset > 0 ? { Range: `bytes=${offset}-` } : undefined;
    const res = await this.session.send({ method: 'GET', path: `/v2/${this.name}/blobs/${digest}`, scopes: this.pullScope, headers, followRedirects: true, signal });
    const len = Number(res.header('content-length'));
    const partial = res.status === 206;
    if (partial) {
      const start = /^bytes\s+(\d+)-/.exec(res.header('content-range') ?? '')?.[1];
      if (Number(start) !== offset) {
        await res.body.dump();
        throw invalidArgument(`registry answered a range request for ${digest} from ${offset} with Content-Range ${JSON.stringify(res.header('content-range') ?? '')}`);
      }
    }
    return { body: res.body, size: Number.isFinite(len) ? len : undefined, url: res.url, partial };
  }

  /** Reads a small blob (a config) whole and checks its digest. */
  async fetchBlobBytes(digest: Digest, limit: number, what: string, signal?: AbortSignal): Promise<Buffer> {
    const { body } = await this.fetchBlob(digest, signal);
    const bytes = await readLimited(body, limit);
    if (sha256(bytes) !== digest) throw invalidArgument(`${what} verification failed for digest ${digest}`);
    return bytes;
  }

  /**
   * Cross-repository mount (`POST …/blobs/uploads/?mount=<digest>&from=<repo>`). true when the
   * registry mounted it (201); otherwise the upload session it opened instead (202) is cancelled.
   */
  async mountBlob(digest: Digest, from: string): Promise<boolean> {
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.session.send({
      method: 'POST',
      path: `/v2/${this.name}/blobs/uploads/?${q}`,
      scopes: [...this.pushScope, `repository:${from}:pull`],
      headers: { 'Content-Length': '0' },
    });
    await res.body.dump();
    if (res.status === 201) return true;
    const location = res.header('location');
    if (location) await new BlobUpload(this.session, this.pushScope, new URL(location, res.url)).cancel();
    return false;
  }

  /** Opens an upload session (`POST /v2/<name>/blobs/uploads/`). */
  async startUpload(): Promise<BlobUpload> {
    const res = await this.session.send({ method: 'POST', path: `/v2/${this.name}/blobs/uploads/`, scopes: this.pushScope, headers: { 'Content-Length': '0' } });
    await res.body.dump();
    const location = res.header('location');
    if (!location) throw invalidArgument('registry opened an upload session without a Location');
    return new BlobUpload(this.session, this.pushScope, new URL(location, res.url), Number(res.header('oci-chunk-min-length')) || 0);
  }

  /** `GET /v2/<name>/tags/list`, every page. */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = `/v2/${this.name}/tags/list`;
    while (path) {
      const res = await this.session.send({ method: 'GET', path, scopes: this.pullScope });
      const doc = JSON.parse((await readLimited(res.body, 16 << 20)).toString('utf8')) as { tags?: string[] | null };
      out.push(...(doc.tags ?? []));
      path = nextLink(res.headers.link);
    }
    return out;
  }
}

/** `GET /v2/_catalog`, every page (paginated by the registry's `Link` header). */
export async function listCatalog(session: RegistrySession, pageSize = 1000): Promise<string[]> {
  const out: string[] = [];
  let path: string | undefined = `/v2/_catalog?n=${pageSize}`;
  while (path) {
    const res = await session.send({ method: 'GET', path, scopes: ['registry:catalog:*'] });
    const doc = JSON.parse((await readLimited(res.body, 16 << 20)).toString('utf8')) as { repositories?: string[] | null };
    out.push(...(doc.repositories ?? []));
    path = nextLink(res.headers.link);
  }
  return out;
}
