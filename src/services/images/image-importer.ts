import { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { decompressed } from '../../lib/tar/decompress.js';
import { WHARF_VERSION } from '../../lib/version.js';
import type { ImageConfigFile } from '../../spec/oci/image.js';
import { type NamedReference, parseNormalizedNamed, tagNameOnly, withTag } from '../../spec/reference.js';
import { goArch } from '../system/system-service.js';
import { coalesced } from './coalesce.js';
import { applyConfigChanges } from './config-changes.js';
import { goContainerConfig, nowRFC3339Nano } from './go-shapes.js';
import { layerBlob, storeImageBlobs } from './image-records.js';
import type { ImageService } from './image-service.js';
import type { StagedLayer } from './layer-store.js';
import { ingestAndStage } from './stage-layer.js';

export interface ImportOptions {
  /** `repo` query parameter: a name, possibly with a tag (`spy-imported:1`). */
  repo?: string;
  /** `tag` query parameter; replaces a tag given in `repo`. */
  tag?: string;
  /** `message`: the image's comment; default `Imported from <src>`. */
  message?: string;
  /** `changes`: Dockerfile instructions applied to the config. */
  changes?: string[];
  /** `fromSrc`: `-` for the request body, else a URL to fetch the archive from. */
  src?: string;
}

/** The name an import tags, parsed as dockerd does before it reads the body. */
export function importReference(repo: string | undefined, tag: string | undefined): NamedReference | undefined {
  if (!repo) return undefined;
  let ref = parseNormalizedNamed(repo);
  if (ref.digest) throw invalidArgument('cannot import digest reference');
  if (tag) ref = withTag(ref, tag);
  return tagNameOnly(ref);
}

/**
 * The config of an imported image, as dockerd writes it (top-level keys sorted, Go's struct
 * encoding of `config` and `container_config`, one history entry carrying the comment).
 */
function importConfig(diffID: Digest, message: string, changes: string[]): Buffer {
  const created = nowRFC3339Nano();
  const cfg = {
    architecture: goArch(),
    comment: message,
    config: goContainerConfig(applyConfigChanges({}, changes), true),
    container_config: goContainerConfig(undefined, true),
    created,
    docker_version: WHARF_VERSION,
    history: [{ created, comment: message }],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [diffID] },
  };
  return Buffer.from(JSON.stringify(cfg));
}

/** Downloads an import source given as a URL (`example.com/x.tar` means http, as in Docker). */
async function fetchSource(src: string): Promise<Readable> {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(src) ? src : `http://${src}`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw invalidArgument(`error fetching ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok || !res.body) throw invalidArgument(`error fetching ${url}: status ${res.status}`);
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

/**
 * `POST /images/create?fromSrc=-`: a root filesystem tar (plain, gzip or zstd) becomes a
 * one-layer image, the layer stored and unpacked in one pass. Returns the new image ID.
 */
export async function importImage(svc: ImageService, body: Readable, opts: ImportOptions): Promise<Digest> {
  const src = opts.src ?? '-';
  const ref = importReference(opts.repo, opts.tag);
  const changes = opts.changes ?? [];
  applyConfigChanges({}, changes); // refuse bad changes before reading the body
  const message = opts.message || `Imported from ${src}`;
  const lease = svc.leases.lease();
  let staged: StagedLayer | undefined;
  let committed: Digest | undefined;
  try {
    const { stream } = await decompressed(coalesced(src === '-' ? body : await fetchSource(src)));
    const got = await ingestAndStage(svc.deps.content, svc.layers, stream, lease);
    staged = got.staged;
    const diffID = got.staged.diffID;
    return await svc.lock.run(async () => {
      await svc.layers.requireBlob(got.blob.digest);
      let size: number;
      const known = svc.store.list().flatMap((r) => r.layers).find((l) => l.chainID === diffID);
      if (await svc.layers.has(diffID)) {
        size = known?.size ?? (await svc.layers.sizeOf(diffID));
      } else {
        committed = diffID;
        const s = staged!;
        staged = undefined;
        if (await svc.layers.commitStaged(s, diffID, undefined)) size = s.size;
        else size = await svc.layers.unpack(svc.deps.content.read(diffID), { diffID, chainID: diffID }, undefined);
      }
      const configBytes = importConfig(diffID, message, changes);
      const config = JSON.parse(configBytes.toString('utf8')) as ImageConfigFile;
      const layers = [{ diffID, chainID: diffID, size, blob: layerBlob(diffID, got.blob.size) }];
      const record = await storeImageBlobs(svc.deps.content, { configBytes, config, layers });
      await svc.commitImage(record, ref ? [ref] : []);
      committed = undefined;
      lease.release();
      svc.event('import', record.id, record.id);
      return record.id;
    });
  } catch (err) {
    await svc.lock.run(async () => {
      const usedChains = new Set(svc.store.list().flatMap((r) => r.layers.map((l) => l.chainID)));
      const usedBlobs = new Set(svc.store.list().flatMap((r) => r.layers.map((l) => l.blob.digest)));
      if (committed && !usedChains.has(committed)) await svc.layers.discard(committed);
      for (const b of lease.release()) if (!usedBlobs.has(b)) await svc.deps.content.delete(b);
    });
    throw err;
  } finally {
    if (staged) await svc.layers.discard(staged.key);
  }
}
