import { PassThrough, type Readable } from 'node:stream';
import { internal } from '../../errdefs/index.js';
import { type Digest, digestHex, sha256 } from '../../lib/digest.js';
import { TarWriter, type TarWriteHeader } from '../../lib/tar/tar-writer.js';

/** The standard PATH of Docker Hub's Debian and busybox images. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** An uncompressed layer tar that can be read (again) from the start. */
export interface LayerSource {
  /** sha256 of the uncompressed tar: the layer's diffID. */
  diffId: Digest;
  size: number;
  open(): Readable;
}

export interface ImageConfigSpec {
  created: Date;
  cmd: string[];
  env: string[];
  /** The history line `docker history` shows for the single layer. */
  createdBy: string;
  diffId: Digest;
  /** OCI architecture name; default: this machine's. */
  architecture?: string;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** This machine's architecture, named as OCI image configs name it. */
export function ociArchitecture(nodeArch: string = process.arch): string {
  return ARCH[nodeArch] ?? nodeArch;
}

/** RFC 3339 as Go's time.Time marshals a whole-second UTC time ("2024-05-07T20:33:45Z"). */
function goTime(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The image config JSON (OCI image-spec `config`), serialised once with a fixed key order. Its
 * sha256 is the image ID, so the same inputs give the same ID on every daemon that loads it.
 */
export function imageConfigBytes(spec: ImageConfigSpec): Buffer {
  const created = goTime(spec.created);
  const config = {
    architecture: spec.architecture ?? ociArchitecture(),
    config: { Env: spec.env, Cmd: spec.cmd },
    created,
    history: [{ created, created_by: spec.createdBy }],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [spec.diffId] },
  };
  return Buffer.from(JSON.stringify(config));
}

/** The image ID of a config: the sha256 of its bytes. */
export function imageIdOf(config: Buffer): Digest {
  return sha256(config);
}

export interface DockerArchiveSpec {
  layer: LayerSource;
  config: Buffer;
  /** Tags recorded in manifest.json, e.g. `busybox:latest`. */
  repoTags: string[];
  /** mtime of the archive's members (the image's creation time keeps the archive reproducible). */
  mtime: Date;
}

/** Writes one archive member whose body is a stream of exactly `size` bytes. */
async function streamEntry(tar: TarWriter, h: TarWriteHeader & { size: number }, body: Readable): Promise<void> {
  await tar.header(h);
  let n = 0;
  for await (const chunk of body) {
    n += (chunk as Buffer).length;
    if (n > h.size) throw internal(`${h.name} is longer than its announced ${h.size} bytes`);
    await tar.body(chunk as Buffer);
  }
  if (n !== h.size) throw internal(`${h.name} is ${n} bytes, not the announced ${h.size}`);
  await tar.endBody(h.size);
}

/**
 * Streams a one-layer image in Docker's archive format (what `docker save` writes and
 * `POST /images/load` reads): `<diffID hex>/layer.tar`, `<image ID hex>.json`, `manifest.json`.
 * The layer comes first and manifest.json last, as `docker save` orders them.
 */
export function dockerArchive(spec: DockerArchiveSpec): Readable {
  const out = new PassThrough();
  const tar = new TarWriter(out);
  const layerDir = digestHex(spec.layer.diffId);
  const configName = `${digestHex(imageIdOf(spec.config))}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: spec.repoTags, Layers: [`${layerDir}/layer.tar`] }]));
  const base = { uid: 0, gid: 0, mtime: Math.floor(spec.mtime.getTime() / 1000) };
  (async () => {
    await tar.entry({ ...base, name: layerDir, type: 'directory', mode: 0o755 });
    await streamEntry(tar, { ...base, name: `${layerDir}/layer.tar`, type: 'file', mode: 0o644, size: spec.layer.size }, spec.layer.open());
    await tar.entry({ ...base, name: configName, type: 'file', mode: 0o644 }, spec.config);
    await tar.entry({ ...base, name: 'manifest.json', type: 'file', mode: 0o644 }, manifest);
    await tar.finish();
    out.end();
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}
