import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode, invalidArgument, isKind, isWharfError, notFound, toWharfError } from '../../errdefs/index.js';
import { type Digest, DigestingStream } from '../digest.js';
import { decompressed } from './decompress.js';
import { LayerApplier, type WhiteoutMode } from './layer-applier.js';
import { createTarExtract } from './tar-reader.js';

export type { WhiteoutMode } from './layer-applier.js';

export interface ApplyLayerOptions {
  /**
   * 'overlay' (default): the target is an empty overlay upperdir; whiteouts become overlay
   * whiteouts (0:0 character devices) and opaque markers the `trusted.overlay.opaque=y` xattr.
   * 'delete': the target already holds the lower layers (a flattened rootfs); whiteouts delete.
   */
  whiteouts?: WhiteoutMode;
  /** Receives non-fatal problems (xattrs the filesystem refuses). */
  warn?: (msg: string) => void;
  /**
   * false: do not hash the stream (only the DiffSize is returned). For a caller that hashes the
   * very same bytes itself — the content store ingesting a tee of this stream — so a layer is
   * hashed once, not twice. Only an uncompressed stream is accepted then: the bytes hashed by the
   * caller must be exactly the tar that is applied.
   */
  digest?: boolean;
}

export interface ApplyLayerResult extends AppliedSize {
  /** sha256 of the uncompressed tar stream (the OCI diffID). */
  diffID: Digest;
  /** Bytes of the uncompressed tar stream. */
  size: number;
}

export interface AppliedSize {
  /**
   * Docker's DiffSize of what the layer made (the sum of lstat sizes of everything that is not a
   * directory, hardlinked inodes once): the size of the target directory afterwards when it
   * started empty, as an overlay upperdir does. Meaningless for 'delete' mode.
   */
  diffSize: number;
}

/**
 * Applies a layer tar (gzip, zstd or plain, detected from the magic bytes) to `destDir`,
 * computing its diffID in the same pass.
 *
 * Preserves regular files, directories, symlinks, hardlinks, character/block devices, fifos,
 * uid/gid, permission bits including setuid/setgid/sticky, mtimes (directories' after their
 * content) and xattrs from PAX `SCHILY.xattr.*` records (`trusted.overlay.*` ones are dropped:
 * only whiteout handling may set those).
 *
 * Safety: nothing is ever written outside `destDir`. Names are cleaned as Docker does (an
 * absolute name lands under the root); a name or hardlink target that climbs out is refused; a
 * path whose parent component is a symlink is refused, never followed; files are created with
 * O_EXCL|O_NOFOLLOW after the old path is removed. Refusals are InvalidArgument naming the entry.
 *
 * On any error the directory is left partially applied: the caller must remove it (a snapshot
 * being prepared is simply discarded). The `source` stream is consumed to its end on success and
 * destroyed on failure.
 */
export async function applyLayer(source: Readable, destDir: string, opts: ApplyLayerOptions & { digest: false }): Promise<AppliedSize>;
export async function applyLayer(source: Readable, destDir: string, opts?: ApplyLayerOptions): Promise<ApplyLayerResult>;
export async function applyLayer(source: Readable, destDir: string, opts: ApplyLayerOptions = {}): Promise<ApplyLayerResult | AppliedSize> {
  const root = path.resolve(destDir);
  const rootMode = await checkRoot(root);
  const { stream, compression } = await decompressed(source);
  const hashed = opts.digest !== false;
  if (!hashed && compression !== 'none') {
    // Nothing will read the decompressor: stop it and the source, and keep its late errors quiet.
    stream.on('error', () => {});
    stream.destroy();
    source.destroy();
    throw invalidArgument(`invalid layer tar: ${compression} data inside an uncompressed layer`);
  }
  const digester = hashed ? new DigestingStream({ highWaterMark: 1 << 20 }) : undefined;
  const extract = createTarExtract();
  const feed = digester ? pipeline(stream, digester, extract as unknown as NodeJS.WritableStream) : pipeline(stream, extract as unknown as NodeJS.WritableStream);
  // Observed at once so a failure while an entry is being applied is not an unhandled rejection.
  feed.catch(() => {});
  const applier = new LayerApplier(root, rootMode, opts.whiteouts ?? 'overlay', opts.warn ?? (() => {}));
  try {
    for await (const entry of extract) await applier.apply(entry.header, entry);
    await feed;
    await applier.finish();
  } catch (err) {
    source.destroy();
    const feedErr = await feed.then(
      () => undefined,
      (e: unknown) => e,
    );
    await applier.abort();
    // When the input itself broke (corrupt or truncated tar, bad gzip, source error), the entry
    // being applied only saw its stream destroyed: report the input's error instead. An error of
    // ours (a refused entry) destroyed the pipeline, which then fails with a premature close.
    const inputBroke = feedErr !== undefined && errnoCode(feedErr) !== 'ERR_STREAM_PREMATURE_CLOSE';
    throw layerError(inputBroke && !isKind(err, 'InvalidArgument') ? feedErr : err);
  }
  const { diffSize } = applier;
  return digester ? { diffID: digester.digest(), size: digester.size, diffSize } : { diffSize };
}

/** Checks that the target is a directory (not a symlink to one) and returns its mode. */
async function checkRoot(root: string): Promise<number> {
  try {
    const st = await fs.lstat(root);
    if (!st.isDirectory()) throw invalidArgument(`cannot apply layer to ${root}: not a directory`);
    return st.mode;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw notFound(`cannot apply layer to ${root}: no such directory`);
    throw err;
  }
}

/**
 * Tar-format errors from tar-stream carry no code, zlib's carry Z_* codes: both mean a corrupt
 * layer (InvalidArgument). Filesystem errors (errno codes) are Internal.
 */
function layerError(err: unknown): Error {
  if (isWharfError(err)) return err;
  const code = errnoCode(err);
  if (err instanceof Error && (code === undefined || code.startsWith('Z_'))) return invalidArgument(`invalid layer tar: ${err.message}`, { cause: err });
  return toWharfError(err);
}
