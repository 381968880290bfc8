// Synthetic images for benchmarks, written directly in Docker's archive format (what `docker
// save` writes and `docker load` reads). Content is pseudo-random (AES-CTR keystream) so it does
// not compress to nothing, yet deterministic: the same parameters give the same bytes and IDs.
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { run } from './proc.mjs';

/** mulberry32: a tiny seeded PRNG for sizes and names. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An endless deterministic stream of incompressible bytes. */
function randomBytes(seed) {
  const key = createHash('sha256').update(`wharf-bench-${seed}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return (n) => cipher.update(Buffer.alloc(n));
}

const MTIME = new Date('2024-01-01T00:00:00Z');

/**
 * The files of one layer: `smallFiles` small files (log-uniform 64 B – 64 KiB, in nested
 * directories) plus three large ones for the rest of `targetBytes`, like an application layer.
 * The default count makes a plain `tar -x` of the image run near the ~150 MB/s the issue quotes
 * for this machine, where creating a file costs about a millisecond of kernel time.
 */
export function layerPlan(index, targetBytes, smallFiles = 200) {
  const rand = prng(1000 + index);
  const files = [];
  let small = 0;
  for (let i = 0; i < smallFiles; i++) {
    const size = Math.round(64 * 1024 ** rand()); // 64 B × 1024^u: log-uniform up to 64 KiB
    files.push({ name: `layer${index}/d${i % 16}/s${Math.floor(i / 16) % 4}/f${i}.dat`, size });
    small += size;
  }
  const rest = Math.max(0, targetBytes - small);
  for (const [k, share] of [0.15, 0.3, 0.55].entries()) files.push({ name: `layer${index}/big/blob${k}.bin`, size: Math.round(rest * share) });
  return files;
}

/** Writes one layer tar to `file`; returns its diffID and size. */
export async function writeLayer(file, entries, seed) {
  const pack = tar.pack();
  const hash = createHash('sha256');
  let size = 0;
  const out = createWriteStream(file);
  const counting = async function* (source) {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  };
  const done = pipeline(pack, counting, out);
  const bytes = randomBytes(seed);
  const dirs = new Set();
  for (const e of entries) {
    const parts = e.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        pack.entry({ name: `${d}/`, type: 'directory', mode: 0o755, mtime: MTIME });
      }
    }
    const data = e.data ?? bytes(e.size);
    // Wait for each entry so at most one file's bytes are buffered.
    await new Promise((resolve, reject) => pack.entry({ name: e.name, mode: 0o644, mtime: MTIME }, data, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}

/** Writes a Docker archive directory tree (`manifest.json`, configs, `<hex>/layer.tar`) and packs it into `archivePath`. */
async function packArchive(dir, archivePath) {
  await run('tar', ['-cf', archivePath, '-C', dir, '.'], { check: true });
  return (await stat(archivePath)).size;
}

function config(diffIds, extra = {}) {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: MTIME.toISOString(),
      config: { Cmd: ['sh'], ...extra },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created: MTIME.toISOString(), created_by: `bench layer ${i}` })),
    }),
  );
}

async function writeConfig(dir, bytes) {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(path.join(dir, `${hex}.json`), bytes);
  return { name: `${hex}.json`, id: `sha256:${hex}` };
}

/**
 * A big image: `layers` layers of about `totalBytes / layers` each. Returns the archive path,
 * its size, the layer sizes and the image ID.
 */
export async function makeBigImageArchive({ workDir, archivePath, totalBytes, layers, smallFiles, repoTag }) {
  const dir = path.join(workDir, 'big-archive');
  await mkdir(dir, { recursive: true });
  const diffIds = [];
  const layerSizes = [];
  const layerPaths = [];
  for (let i = 0; i < layers; i++) {
    const tmp = path.join(dir, `tmp-${i}.tar`);
    const { diffId, size } = await writeLayer(tmp, layerPlan(i, totalBytes / layers, smallFiles), i);
    const hex = diffId.slice(7);
    await mkdir(path.join(dir, hex), { recursive: true });
    await rename(tmp, path.join(dir, hex, 'layer.tar'));
    diffIds.push(diffId);
    layerSizes.push(size);
    layerPaths.push(`${hex}/layer.tar`);
  }
  const cfg = await writeConfig(dir, config(diffIds));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: cfg.name, RepoTags: [repoTag], Layers: layerPaths }]));
  const size = await packArchive(dir, archivePath);
  return { archivePath, size, layerSizes, id: cfg.id, dir };
}

/**
 * `count` distinct small images in one archive: image i has its own one-file layer and a label,
 * so every image has its own ID and layer, tagged `<prefix><i>:latest`.
 */
export async function makeManyImagesArchive({ workDir, archivePath, count, prefix }) {
  const dir = path.join(workDir, 'many-archive');
  await mkdir(dir, { recursive: true });
  const manifest = [];
  const bytes = randomBytes(424242);
  for (let i = 0; i < count; i++) {
    const tmp = path.join(dir, 'tmp.tar');
    const { diffId } = await writeLayer(tmp, [{ name: `etc/bench-${i}`, data: bytes(512 + (i % 7) * 100) }], i);
    const hex = diffId.slice(7);
    await mkdir(path.join(dir, hex), { recursive: true });
    await rename(tmp, path.join(dir, hex, 'layer.tar'));
    const cfg = await writeConfig(dir, config([diffId], { Labels: { 'bench.index': String(i) } }));
    manifest.push({ Config: cfg.name, RepoTags: [`${prefix}${i}:latest`], Layers: [`${hex}/layer.tar`] });
  }
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const size = await packArchive(dir, archivePath);
  return { archivePath, size, count };
}
