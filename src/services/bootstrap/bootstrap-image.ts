import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { type Digest, sha256 } from '../../lib/digest.js';
import { familiarString, parseNormalizedNamed, tagNameOnly } from '../../spec/reference.js';
import { debianMirror, readAptSources } from './apt-sources.js';
import { buildBusyboxRootfs } from './busybox-rootfs.js';
import { buildDebianRootfs, unmountUnder } from './debian-rootfs.js';
import { debianSuiteForTag } from './debian-suites.js';
import { DEFAULT_PATH_ENV, dockerArchive, imageConfigBytes, imageIdOf, type LayerSource } from './image-archive.js';
import type { ImageLoader } from './image-loader.js';

export interface BootstrapOptions {
  /** Where the image goes: a daemon (`POST /images/load`) or a file. */
  loader: ImageLoader;
  /** The image's name; default `busybox:latest`, or `debian:<tag as given>`. */
  tag?: string;
  /** Debian archive URL; default: the Debian mirror in the apt sources. */
  mirror?: string;
  /** Receives progress lines (slow steps only). */
  progress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Where the Debian tree is built; default os.tmpdir(). Needs room for ~300 MB. */
  tmpDir?: string;
  /** Keep the downloaded .debs here and reuse them next time (debootstrap --cache-dir); the image is the same either way. */
  cacheDir?: string;
  /** Overrides (tests, unusual hosts): the busybox binary, the apt config dir, debootstrap and its scripts dir. */
  busybox?: string;
  etcApt?: string;
  debootstrap?: string;
  debootstrapScripts?: string;
}

export interface BootstrapResult {
  /** The image ID (`sha256:` of the config): the same for the same inputs, on any daemon. */
  id: Digest;
  repoTag: string;
  diffId: Digest;
  /** Uncompressed layer size in bytes. */
  size: number;
}

/** The base images `wharf image bootstrap` can make, parsed from `busybox[:TAG]` or `debian[:SUITE]`. */
export type BootstrapTarget = { kind: 'busybox'; repoTag: string } | { kind: 'debian'; suite: string; repoTag: string };

export function parseBootstrapTarget(name: string): BootstrapTarget {
  const m = /^(?:(?:docker\.io\/)?library\/)?(busybox|debian)(?::([\w][\w.-]{0,127}))?$/.exec(name);
  if (!m) throw invalidArgument(`cannot bootstrap "${name}": the base images are busybox and debian[:SUITE] (e.g. debian:bookworm, debian:12)`);
  const tag = m[2] ?? 'latest';
  if (m[1] === 'busybox') return { kind: 'busybox', repoTag: `busybox:${tag}` };
  return { kind: 'debian', suite: debianSuiteForTag(tag), repoTag: `debian:${tag}` };
}

/**
 * A reference as manifest.json records it: Docker's grammar and normalisation, the tag made
 * explicit (`x` → `x:latest`), in the familiar form (`busybox:latest`, `localhost:5000/a:1`).
 */
export function normalizeRepoTag(ref: string): string {
  const named = parseNormalizedNamed(ref);
  if (named.digest) throw invalidArgument('refusing to create a tag with a digest reference');
  return familiarString(tagNameOnly(named));
}

async function loadImage(spec: { layer: LayerSource; created: Date; cmd: string[]; createdBy: string; repoTag: string }, loader: ImageLoader): Promise<BootstrapResult> {
  const config = imageConfigBytes({ created: spec.created, cmd: spec.cmd, env: [DEFAULT_PATH_ENV], createdBy: spec.createdBy, diffId: spec.layer.diffId });
  await loader.load(dockerArchive({ layer: spec.layer, config, repoTags: [spec.repoTag], mtime: spec.created }));
  return { id: imageIdOf(config), repoTag: spec.repoTag, diffId: spec.layer.diffId, size: spec.layer.size };
}

/**
 * Makes a base image without a registry and hands it to the loader as a one-layer Docker
 * archive: `busybox` from the host's static busybox (in memory, well under a second, no root),
 * `debian:SUITE` with debootstrap from the apt mirror (root, network, a minute or more).
 */
export async function bootstrapImage(name: string, opts: BootstrapOptions): Promise<BootstrapResult> {
  const target = parseBootstrapTarget(name);
  const repoTag = normalizeRepoTag(opts.tag ?? target.repoTag);
  const progress = opts.progress ?? (() => {});
  if (target.kind === 'busybox') {
    const rootfs = await buildBusyboxRootfs({ busybox: opts.busybox, env: opts.env });
    const layer: LayerSource = { diffId: sha256(rootfs.tar), size: rootfs.tar.length, open: () => Readable.from([rootfs.tar]) };
    return loadImage({ layer, created: rootfs.created, cmd: ['sh'], createdBy: 'wharf image bootstrap busybox', repoTag }, opts.loader);
  }
  const mirror = opts.mirror ?? debianMirror(await readAptSources(opts.etcApt));
  const workDir = await fs.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'wharf-debootstrap-'));
  try {
    const started = Date.now();
    const rootfs = await buildDebianRootfs({
      suite: target.suite,
      mirror,
      workDir,
      progress,
      env: opts.env,
      signal: opts.signal,
      debootstrap: opts.debootstrap,
      scriptsDir: opts.debootstrapScripts,
      cacheDir: opts.cacheDir,
    });
    progress(`loading ${repoTag}`);
    const result = await loadImage({ layer: rootfs.layer, created: rootfs.created, cmd: ['bash'], createdBy: `wharf image bootstrap debian:${target.suite} (debootstrap --variant=minbase)`, repoTag }, opts.loader);
    progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } finally {
    // Never delete through a mount that is still there (debootstrap may bind the host's /dev).
    await unmountUnder(workDir);
    await fs.rm(workDir, { recursive: true, force: true });
  }
}
