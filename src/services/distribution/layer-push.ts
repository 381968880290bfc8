/**
 * Pushes one layer the way dockerd does, cheapest first:
 *  1. a compressed blob known (distribution-metadata) to hold this layer on the same registry is
 *     HEAD-checked in the target repository → `Layer already exists`;
 *  2. such a blob in a sibling repository is mounted (`?mount=&from=`) → `Mounted from <repo>`;
 *  3. otherwise the layer is read from the content store, gzip-compressed on all cores
 *     (parallel-gzip.ts) and uploaded as it is produced, in one streamed PATCH; a blob of at
 *     most 8 MiB goes up monolithically (POST then PUT with the body) → `Pushed`.
 * Every outcome is remembered per (diffID, repository) so the next push skips or mounts it.
 */
import { type Readable, Transform } from 'node:stream';
import type { ContentStore } from '../../core/content/content-store.js';
import type { LayerRecord } from '../../core/images/image-store.js';
import { type Digest, DigestingStream, shortId } from '../../lib/digest.js';
import { decompressed } from '../../lib/tar/decompress.js';
import type { BlobUpload } from '../../plugins/registry-client/blob-upload.js';
import type { RepositoryClient } from '../../plugins/registry-client/repository-client.js';
import type { Descriptor } from '../../spec/oci/image.js';
import { layerCompression, MediaType } from '../../spec/oci/media-types.js';
import type { BlobSource, DistributionMetadata } from './distribution-metadata.js';
import { ParallelGzip } from './parallel-gzip.js';
import { ByteProgress, type MessageSink, statusLine } from './progress.js';

/** zlib level of push compression: 2 runs ~2× level 6 (dockerd's) for ~6 % larger blobs. */
export const PUSH_GZIP_LEVEL = 2;
/** Compressed blobs up to this size go up monolithically (POST, then PUT with the body). */
export const MONOLITHIC_MAX = 8 << 20;
/** Mount attempts per layer, as dockerd (it tries at most 3 candidate repositories). */
const MAX_MOUNTS = 3;

export interface PushLayerInput {
  repo: RepositoryClient;
  /** Target repository, full name (`127.0.0.1:5000/spy/built`). */
  repository: string;
  /** The registry's domain as in references (`127.0.0.1:5000`). */
  domain: string;
  content: ContentStore;
  metadata: DistributionMetadata;
  layer: LayerRecord;
  out: MessageSink;
}

const GZIP_TYPES = new Set<string>([MediaType.dockerLayerGzip, MediaType.ociLayerGzip]);

function layerDescriptor(digest: Digest, size: number): Descriptor {
  return { mediaType: MediaType.dockerLayerGzip, digest, size };
}

/** Known gzip blobs of this layer on the target registry, target repository first. */
function candidates(input: PushLayerInput): BlobSource[] {
  const prefix = `${input.domain}/`;
  const all = input.metadata.sources(input.layer.diffID).filter((s) => GZIP_TYPES.has(s.mediaType) && s.repository.startsWith(prefix));
  return [...all.filter((s) => s.repository === input.repository), ...all.filter((s) => s.repository !== input.repository)];
}

async function remember(input: PushLayerInput, d: Descriptor): Promise<void> {
  await input.metadata.add(input.layer.diffID, { digest: d.digest, mediaType: d.mediaType, size: d.size, repository: input.repository });
}

/** Steps 1 and 2: a blob the registry already has. */
async function reuse(input: PushLayerInput, id: string): Promise<Descriptor | undefined> {
  const known = candidates(input);
  for (const digest of new Set(known.map((s) => s.digest))) {
    const stat = await input.repo.statBlob(digest);
    const src = known.find((s) => s.digest === digest)!;
    if (stat) {
      const d = layerDescriptor(digest, stat.size >= 0 ? stat.size : src.size);
      input.out(statusLine('Layer already exists', id));
      await remember(input, d);
      return d;
    }
    for (const s of known) if (s.digest === digest && s.repository === input.repository) await input.metadata.remove(input.layer.diffID, digest, s.repository);
  }
  let tries = 0;
  for (const s of known) {
    if (s.repository === input.repository || tries >= MAX_MOUNTS) continue;
    tries++;
    const from = s.repository.slice(input.domain.length + 1);
    if (await input.repo.mountBlob(s.digest, from)) {
      const d = layerDescriptor(s.digest, s.size);
      input.out(statusLine(`Mounted from ${from}`, id));
      await remember(input, d);
      return d;
    }
  }
  return undefined;
}

/** The compressed stream to upload: the stored blob as is when it is gzip already. */
async function compressedSource(input: PushLayerInput, onRaw: (n: number) => void): Promise<Readable> {
  const stored = input.content.read(input.layer.blob.digest);
  const raw = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onRaw(chunk.length);
      cb(null, chunk);
    },
  });
  stored.on('error', (e) => raw.destroy(e));
  stored.pipe(raw);
  if (layerCompression(input.layer.blob.mediaType) === 'gzip') return raw;
  const { stream } = await decompressed(raw);
  const gz = new ParallelGzip({ level: PUSH_GZIP_LEVEL });
  stream.on('error', (e) => gz.destroy(e));
  return stream.pipe(gz);
}

/**
 * Step 3: compress and upload. The first {@link MONOLITHIC_MAX} bytes are gathered; a blob that
 * ends within them goes up monolithically (POST, then PUT with the body). A larger one is
 * streamed in one PATCH while it is being compressed — one request per layer, as dockerd sends
 * it: per-chunk PATCHes cost a registry a round trip and a saved hash state each (docker-registry
 * writes one per request) that a single request does not pay (bench/README.md has the numbers).
 */
async function upload(input: PushLayerInput, progress: ByteProgress): Promise<Descriptor> {
  const source = await compressedSource(input, (n) => progress.add(n));
  const digester = new DigestingStream({ highWaterMark: 1 << 20 });
  source.on('error', (e) => digester.destroy(e));
  source.pipe(digester);
  const chunks = digester[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let buffered = 0;
  let ended = false;
  let session: BlobUpload | undefined;
  try {
    while (buffered < MONOLITHIC_MAX) {
      const r = await chunks.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(r.value);
      buffered += r.value.length;
    }
    session = await input.repo.startUpload();
    if (ended) {
      await session.complete(digester.digest(), Buffer.concat(head, buffered));
    } else {
      await session.patchStream(
        (async function* () {
          yield* head;
          for (let r = await chunks.next(); !r.done; r = await chunks.next()) yield r.value;
        })(),
      );
      await session.complete(digester.digest());
    }
    return layerDescriptor(digester.digest(), digester.size);
  } catch (err) {
    source.destroy();
    digester.destroy();
    await session?.cancel();
    throw err;
  }
}

/** Pushes one layer; returns the descriptor the manifest lists for it. */
export async function pushLayer(input: PushLayerInput): Promise<Descriptor> {
  const id = shortId(input.layer.diffID);
  const reused = await reuse(input, id);
  if (reused) return reused;
  const progress = new ByteProgress(input.out, 'Pushing', id, input.layer.size);
  const d = await upload(input, progress);
  progress.finish();
  input.out(statusLine('Pushed', id));
  await remember(input, d);
  return d;
}
