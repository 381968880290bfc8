/**
 * Test support for the image service and its end-to-end tests: builds layer tars, image configs
 * and `docker save` archives (Docker 20.10's legacy layout, Docker 25's OCI layout with
 * manifest.json, a bare OCI layout) in memory. Not shipped (excluded from the build).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { createEventBus, type EventBus } from '../../core/events/events.js';
import { type ImageUsage, noImageUsage } from '../../core/images/image-usage.js';
import { type Digest, sha256 } from '../../lib/digest.js';
import { createLogger } from '../../lib/logger.js';
import { LocalContentStore } from '../../plugins/content/local-content-store.js';
import { LocalImageStore } from '../../plugins/images/local-image-store.js';
import { OverlaySnapshotter } from '../../plugins/snapshots/overlay-snapshotter.js';
import { chainIDs } from '../../spec/oci/chain-id.js';
import { ImageService } from './image-service.js';

const serviceRoots: string[] = [];

/** A service on real stores (content, overlay snapshots, image records) under `root` or a fresh temp dir. */
export async function openService(root?: string, usage: ImageUsage = noImageUsage): Promise<{ svc: ImageService; root: string; events: EventBus }> {
  const dir = root ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-imgsvc-')));
  if (!root) serviceRoots.push(dir);
  const events = createEventBus();
  const svc = await ImageService.open({
    store: await LocalImageStore.open(path.join(dir, 'image')),
    content: await LocalContentStore.open(path.join(dir, 'content')),
    snapshots: await OverlaySnapshotter.open(path.join(dir, 'overlay')),
    usage,
    events,
    log: createLogger('error'),
  });
  return { svc, root: dir, events };
}

/** Removes the temp roots {@link openService} made. */
export async function cleanupServices(): Promise<void> {
  for (const r of serviceRoots.splice(0)) await fs.rm(r, { recursive: true, force: true });
}

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  data?: Buffer | string;
  linkname?: string;
  mode?: number;
}

/** A tar of `entries`, in order (mtime fixed, so the same entries give the same bytes). */
export async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(1_700_000_000_000), linkname: e.linkname };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, e.data ?? '', cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A layer tar holding `files` (path → content), with their parent directories. */
export function layerTar(files: Record<string, string | Buffer>): Promise<Buffer> {
  const dirs = new Set<string>();
  for (const p of Object.keys(files)) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${parts.slice(0, i).join('/')}/`);
  }
  return tarOf([...[...dirs].sort().map((name) => ({ name, type: 'directory' as const })), ...Object.entries(files).map(([name, data]) => ({ name, data }))]);
}

/** Deterministic incompressible bytes. */
export function pseudoRandom(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export interface TestImage {
  id: Digest;
  config: Buffer;
  layers: Buffer[];
  diffIDs: Digest[];
  chainIDs: Digest[];
}

/** An image of `layers` with a Docker-like config (`extra` merged into its top level). */
export function makeImage(layers: Buffer[], extra: Record<string, unknown> = {}): TestImage {
  const diffIDs = layers.map((l) => sha256(l));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-05-06T07:08:09.123456789Z',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'], Labels: { 'test.image': 'yes' } },
      rootfs: { type: 'layers', diff_ids: diffIDs },
      history: diffIDs.map((_, i) => ({ created: '2024-05-06T07:08:09Z', created_by: `layer ${i}` })),
      ...extra,
    }),
  );
  return { id: sha256(config), config, layers, diffIDs, chainIDs: chainIDs(diffIDs) };
}

export interface ArchiveImage {
  image: TestImage;
  tags: string[];
}

const hex = (d: Digest) => d.slice(7);

/**
 * Docker 20.10's `docker save` layout: `<v1 id>/{VERSION,json,layer.tar}`, `<config>.json`,
 * manifest.json, repositories. With `linkDuplicates`, a layer already written is a symlink to it.
 */
export async function legacyArchive(images: ArchiveImage[], opts: { gzip?: boolean } = {}): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const manifest: unknown[] = [];
  const written = new Map<Digest, string>();
  for (const { image, tags } of images) {
    const paths: string[] = [];
    image.layers.forEach((layer, i) => {
      const v1 = sha256(`v1 ${image.chainIDs[i]}`).slice(7);
      const p = `${v1}/layer.tar`;
      paths.push(p);
      const first = written.get(image.diffIDs[i]!);
      entries.push({ name: `${v1}/`, type: 'directory' }, { name: `${v1}/VERSION`, data: '1.0' }, { name: `${v1}/json`, data: JSON.stringify({ id: v1 }) });
      if (first) entries.push({ name: p, type: 'symlink', linkname: `../${first}` });
      else {
        entries.push({ name: p, data: layer });
        written.set(image.diffIDs[i]!, p);
      }
    });
    entries.push({ name: `${hex(image.id)}.json`, data: image.config });
    manifest.push({ Config: `${hex(image.id)}.json`, RepoTags: tags.length > 0 ? tags : null, Layers: paths });
  }
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  const tar = await tarOf(entries);
  return opts.gzip ? gzipSync(tar) : tar;
}

/**
 * An OCI image layout: `blobs/sha256/…`, `index.json`, `oci-layout`, plus Docker 25's
 * manifest.json unless `bare`.
 */
export async function ociArchive(images: ArchiveImage[], opts: { bare?: boolean } = {}): Promise<Buffer> {
  const blobs = new Map<Digest, Buffer>();
  const index: { schemaVersion: 2; mediaType: string; manifests: unknown[] } = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
  const manifestJson: unknown[] = [];
  for (const { image, tags } of images) {
    for (const [i, l] of image.layers.entries()) blobs.set(image.diffIDs[i]!, l);
    blobs.set(image.id, image.config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: image.id, size: image.config.length },
        layers: image.layers.map((l, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: image.diffIDs[i], size: l.length })),
      }),
    );
    const mdigest = sha256(manifest);
    blobs.set(mdigest, manifest);
    const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: mdigest, size: manifest.length };
    if (tags.length === 0) index.manifests.push(desc);
    for (const t of tags) {
      const full = t.includes('/') ? t : `docker.io/library/${t}`;
      index.manifests.push({ ...desc, annotations: { 'io.containerd.image.name': full, 'org.opencontainers.image.ref.name': t.split(':').pop() } });
    }
    manifestJson.push({ Config: `blobs/sha256/${hex(image.id)}`, RepoTags: tags, Layers: image.diffIDs.map((d) => `blobs/sha256/${hex(d)}`) });
  }
  const entries: TarEntry[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...[...blobs].map(([d, data]) => ({ name: `blobs/sha256/${hex(d)}`, data })),
    { name: 'index.json', data: JSON.stringify(index) },
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
  ];
  if (!opts.bare) entries.push({ name: 'manifest.json', data: JSON.stringify(manifestJson) });
  return tarOf(entries);
}
