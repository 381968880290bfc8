import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { ImageRecord } from '../../core/images/image-store.js';
import { internal, invalidArgument, notFound } from '../../errdefs/index.js';
import { type Digest, digestHex, sha256 } from '../../lib/digest.js';
import { Annotation, type Descriptor, type Index, OCI_LAYOUT_VERSION } from '../../spec/oci/image.js';
import { MediaType } from '../../spec/oci/media-types.js';
import { familiarName, familiarString, isNameOnly, type NamedReference, parseAnyReference, referenceString, repositoryName, tagNameOnly } from '../../spec/reference.js';
import { lookupNamed } from './image-resolver.js';
import { manifestFor } from './image-records.js';
import type { ImageService } from './image-service.js';

interface SaveItem {
  record: ImageRecord;
  /** Tags to record for it, in the order the user named them. */
  tags: NamedReference[];
}

/**
 * Which images (and which of their tags) `docker save NAME…` exports, as dockerd's parseNames:
 * an ID exports the image untagged, `repo` every tag of that repository, `repo:tag` that tag.
 */
export function saveItems(svc: ImageService, names: string[]): SaveItem[] {
  const items = new Map<Digest, SaveItem>();
  const add = (record: ImageRecord, ref?: NamedReference) => {
    let item = items.get(record.id);
    if (!item) items.set(record.id, (item = { record, tags: [] }));
    if (ref && !ref.digest && !item.tags.some((t) => referenceString(t) === referenceString(ref))) item.tags.push(ref);
  };
  for (const name of names) {
    const any = parseAnyReference(name);
    if (any.kind === 'digest') {
      const r = svc.store.get(any.digest);
      if (!r) throw notFound(`No such image: ${name}`);
      add(r);
      continue;
    }
    const ref = any.ref;
    if (isNameOnly(ref) && familiarName(ref) !== 'sha256') {
      const repo = repositoryName(ref);
      const matches = svc.store.allRefs().filter((x) => repositoryName(x.ref) === repo && x.ref.tag !== undefined);
      for (const m of matches.sort((a, b) => (referenceString(a.ref) < referenceString(b.ref) ? -1 : 1))) add(svc.store.get(m.id)!, m.ref);
      if (matches.length > 0) continue;
    }
    const byRef = familiarName(ref) === 'sha256' ? undefined : lookupNamed(svc.store, ref);
    if (byRef) {
      add(byRef, ref.digest ? undefined : tagNameOnly(ref));
      continue;
    }
    const byId = svc.store.searchId(name);
    if (!byId || byId === 'ambiguous') throw notFound(`No such image: ${familiarString(ref.digest ? ref : tagNameOnly(ref))}`);
    add(byId);
  }
  return [...items.values()];
}

const blobName = (d: Digest) => `blobs/sha256/${digestHex(d)}`;
const EPOCH = new Date(0);

/**
 * `GET /images/get`: writes a `docker save` archive of `names` to `out` in the layout Docker 25+
 * writes — an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) whose blobs are
 * also named by a Docker `manifest.json` and `repositories`, so Docker 20.10 (which reads
 * manifest.json) and OCI tools both load it. Layers are uncompressed tars named by their diffID.
 * `open` is called once the names are resolved and gives the output stream.
 */
export async function saveImages(svc: ImageService, names: string[], open: () => Writable): Promise<void> {
  if (names.length === 0) throw invalidArgument('no images given to save');
  // Resolve every name before the first byte goes out: an unknown name is then a plain 404.
  const items = saveItems(svc, names);
  const { content } = svc.deps;
  const pack = tarStream.pack();
  const done = pipeline(pack as unknown as Readable, open());
  done.catch(() => {});
  const written = new Set<string>();
  const add = async (name: string, data: Buffer | (() => Readable), size?: number): Promise<void> => {
    if (written.has(name)) return;
    written.add(name);
    if (Buffer.isBuffer(data)) {
      await new Promise<void>((resolve, reject) => pack.entry({ name, mtime: EPOCH, mode: 0o644 }, data, (err) => (err ? reject(err) : resolve())));
      return;
    }
    const sink = pack.entry({ name, size, mtime: EPOCH, mode: 0o644 });
    await pipeline(data(), sink as unknown as Writable);
  };
  try {
    pack.entry({ name: 'blobs', type: 'directory', mtime: EPOCH, mode: 0o755 });
    pack.entry({ name: 'blobs/sha256', type: 'directory', mtime: EPOCH, mode: 0o755 });
    const manifestItems: unknown[] = [];
    const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    const repositories: Record<string, Record<string, string>> = {};
    for (const { record: r, tags } of items) {
      for (const l of r.layers) {
        // Invariant: Wharf stores layer blobs uncompressed, so the blob is the diffID's tar.
        if (l.blob.digest !== l.diffID) throw internal(`cannot save ${r.id}: layer ${l.diffID} has no uncompressed blob`);
        await add(blobName(l.diffID), () => content.read(l.diffID), l.blob.size);
      }
      await add(blobName(r.id), await content.readBytes(r.id));
      const manifest = await manifestBlob(svc, r);
      await add(blobName(manifest.digest), manifest.bytes);
      const desc: Descriptor = { mediaType: MediaType.ociManifest, digest: manifest.digest, size: manifest.bytes.length };
      if (tags.length === 0) index.manifests.push(desc);
      for (const t of tags) {
        index.manifests.push({ ...desc, annotations: { [Annotation.imageName]: referenceString(t), [Annotation.refName]: t.tag! } });
        const top = r.layers.at(-1);
        if (top) (repositories[familiarName(t)] ??= {})[t.tag!] = digestHex(top.diffID);
      }
      const item: Record<string, unknown> = {
        Config: blobName(r.id),
        RepoTags: tags.length > 0 ? tags.map((t) => familiarString(t)) : null,
        Layers: r.layers.map((l) => blobName(l.diffID)),
      };
      if (r.parent && items.some((i) => i.record.id === r.parent)) item.Parent = r.parent;
      manifestItems.push(item);
      svc.event('save', r.id, r.id);
    }
    await add('index.json', Buffer.from(JSON.stringify(index)));
    await add('manifest.json', Buffer.from(`${JSON.stringify(manifestItems)}\n`));
    await add('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })));
    if (Object.keys(repositories).length > 0) await add('repositories', Buffer.from(`${JSON.stringify(repositories)}\n`));
    pack.finalize();
    await done;
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
}

/** The image's stored manifest when it lists the uncompressed layers we write, else a fresh one. */
async function manifestBlob(svc: ImageService, r: ImageRecord): Promise<{ digest: Digest; bytes: Buffer }> {
  if (r.manifest && r.manifest.mediaType === MediaType.ociManifest) {
    const bytes = await svc.deps.content.readBytes(r.manifest.digest).catch(() => undefined);
    if (bytes) return { digest: r.manifest.digest, bytes };
  }
  const bytes = manifestFor({ mediaType: MediaType.ociConfig, digest: r.id, size: r.configSize }, r.layers);
  return { digest: sha256(bytes), bytes };
}
