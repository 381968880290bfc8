/**
 * PAX extended-header records (POSIX.1-2001 `x`/`g` entries): `"<len> <key>=<value>\n"` where
 * `<len>` counts the whole record in bytes. Values are raw bytes: xattr values such as
 * `security.capability` are binary, so they are kept as Buffers, never decoded as UTF-8.
 */
export type PaxRecords = Map<string, Buffer>;

/** Parses a PAX header body into records, keeping values as raw bytes. Malformed tails are ignored. */
export function parsePaxRecords(buf: Buffer): PaxRecords {
  const out: PaxRecords = new Map();
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number.parseInt(buf.toString('latin1', off, sp), 10);
    if (!Number.isSafeInteger(len) || len <= sp - off || off + len > buf.length) break;
    const rec = buf.subarray(sp + 1, off + len - 1); // drop the trailing "\n"
    const eq = rec.indexOf(0x3d);
    if (eq > 0) out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    off += len;
  }
  return out;
}

/** Encodes records into a PAX header body. */
export function encodePaxRecords(records: Iterable<[string, Buffer | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
    // The length prefix counts itself: grow the digit count until it is self-consistent.
    let digits = String(body.length).length;
    while (String(body.length + digits).length !== digits) digits++;
    parts.push(Buffer.from(String(body.length + digits)), body);
  }
  return Buffer.concat(parts);
}

const SCHILY_XATTR = 'SCHILY.xattr.';
const LIBARCHIVE_XATTR = 'LIBARCHIVE.xattr.';

/**
 * The extended attributes carried by PAX records: GNU tar / Go / Docker write
 * `SCHILY.xattr.<name>=<raw bytes>`; libarchive writes `LIBARCHIVE.xattr.<urlencoded>=<base64>`.
 */
export function xattrsFromPax(records: PaxRecords): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of records) {
    if (key.startsWith(SCHILY_XATTR)) out.set(key.slice(SCHILY_XATTR.length), value);
    else if (key.startsWith(LIBARCHIVE_XATTR)) {
      const name = decodeURIComponent(key.slice(LIBARCHIVE_XATTR.length));
      if (!out.has(name)) out.set(name, Buffer.from(value.toString('latin1'), 'base64'));
    }
  }
  return out;
}

/** The PAX key under which an xattr is written (Docker's and GNU tar's form). */
export function paxXattrKey(name: string): string {
  return SCHILY_XATTR + name;
}
