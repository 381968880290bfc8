import tarStream from 'tar-stream';
import { internal } from '../../errdefs/index.js';
import { type PaxRecords, parsePaxRecords, xattrsFromPax } from './pax.js';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo';

/** A tar entry's header, normalized: PAX overrides applied, times in (fractional) seconds. */
export interface TarEntryHeader {
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  atime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
}

/** A header as tar-stream really builds it (its typings omit meta types and raw PAX). */
interface RawHeader extends Omit<tarStream.Header, 'type'> {
  type: string | null;
  paxRaw?: PaxRecords;
}

/** The tar-stream 3.2.x internals the raw-PAX hook wraps (the package is pinned exactly). */
interface ExtractInternals {
  _header: RawHeader;
  _decodeLongHeader(buf: Buffer): void;
  _applyLongHeaders(): void;
}

/**
 * A tar-stream extractor that also keeps each entry's PAX records as raw bytes.
 *
 * Why the hook: tar-stream decodes PAX values as UTF-8 strings, which destroys binary xattr
 * values (`SCHILY.xattr.security.capability` is a binary struct), and it ignores PAX uid/gid/
 * mtime. We wrap its two private long-header methods on this one instance — not the module — to
 * capture the raw PAX body next to its own parsing. tar-stream is pinned to an exact version in
 * package.json and the xattr round-trip test fails if these internals ever change.
 */
export function createTarExtract(): tarStream.Extract {
  const ex = tarStream.extract();
  const inner = ex as unknown as ExtractInternals;
  if (typeof inner._decodeLongHeader !== 'function' || typeof inner._applyLongHeaders !== 'function') {
    throw internal('tar-stream internals changed: cannot read raw PAX records (check the pinned version)');
  }
  const decode = inner._decodeLongHeader.bind(ex);
  const apply = inner._applyLongHeaders.bind(ex);
  let local: PaxRecords | undefined;
  let global: PaxRecords | undefined;
  inner._decodeLongHeader = (buf: Buffer) => {
    decode(buf);
    if (inner._header.type === 'pax-header') local = parsePaxRecords(buf);
    else if (inner._header.type === 'pax-global-header') global = parsePaxRecords(buf);
  };
  inner._applyLongHeaders = () => {
    apply();
    if (local || global) inner._header.paxRaw = new Map([...(global ?? []), ...(local ?? [])]);
    local = undefined;
  };
  return ex;
}

function paxNumber(pax: PaxRecords | undefined, key: string): number | undefined {
  const v = pax?.get(key);
  if (v === undefined) return undefined;
  const n = Number(v.toString('latin1'));
  return Number.isFinite(n) ? n : undefined;
}

/** Normalizes a tar-stream header; undefined for entry types a layer cannot hold (e.g. sparse). */
export function normalizeHeader(header: tarStream.Header): TarEntryHeader | undefined {
  const h = header as unknown as RawHeader;
  const raw = h.paxRaw;
  const type = h.type === 'contiguous-file' ? 'file' : h.type;
  if (!type || !['file', 'link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo'].includes(type)) return undefined;
  const mtime = paxNumber(raw, 'mtime') ?? (h.mtime ? h.mtime.getTime() / 1000 : 0);
  const atime = paxNumber(raw, 'atime');
  return {
    name: h.name,
    type: type as TarEntryType,
    mode: (h.mode ?? 0) & 0o7777,
    uid: paxNumber(raw, 'uid') ?? h.uid ?? 0,
    gid: paxNumber(raw, 'gid') ?? h.gid ?? 0,
    size: h.size ?? 0,
    mtime,
    // Docker: an access time before the modification time (or none) becomes the mtime.
    atime: atime !== undefined && atime > mtime ? atime : mtime,
    linkname: h.linkname ?? '',
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
    xattrs: raw ? xattrsFromPax(raw) : new Map(),
  };
}

/** Consumes an entry's body without keeping it (tar-stream stalls until every entry is drained). */
export async function drain(body: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of body) {
    // discard
  }
}
