/** `/v2/<name>/blobs/<digest>`: HEAD, GET (with Range) and DELETE of a blob. */
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { errnoCode } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { parseClientDigest } from '../names.js';
import { registryError } from '../registry-error.js';
import { SMALL_BLOB_MAX } from '../storage/blob-store.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import { type Exchange, parseRange, sendEmpty } from './exchange.js';
import { actionsFor, type Route, repoAccess } from './route.js';

/** Read size per chunk of a blob GET: large enough that a 1 MB blob is a few writes. */
const READ_CHUNK = 1024 * 1024;

const blobUnknown = (digest: string) => registryError('BLOB_UNKNOWN', undefined, { detail: { digest } });

async function getBlob(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, ref] = x.params as [string, string];
  const digest = parseClientDigest(ref);
  const size = await s.repos.blobSize(name, digest);
  if (size === undefined) throw blobUnknown(digest);
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    Etag: `"${digest}"`,
    'Accept-Ranges': 'bytes',
    // Content-addressed: the bytes behind this URL never change.
    'Cache-Control': 'max-age=31536000',
  };
  const inm = x.req.headers['if-none-match'];
  if (inm !== undefined && (inm === `"${digest}"` || inm === digest)) {
    x.res.writeHead(304, headers);
    x.res.end();
    return;
  }
  const range = parseRange(x.req.headers.range, size);
  if (range === 'unsatisfiable') {
    sendEmpty(x, 416, { ...headers, 'Content-Range': `bytes */${size}` });
    return;
  }
  const status = range ? 206 : 200;
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  headers['Content-Length'] = end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  if (x.method === 'HEAD' || size === 0) {
    x.res.writeHead(status, headers);
    x.res.end();
    return;
  }
  if (size <= SMALL_BLOB_MAX) {
    // Small blobs (configs, tiny layers) are served from memory: one write, no file I/O.
    const bytes = await s.blobs.smallBlob(digest);
    if (!bytes) throw blobUnknown(digest);
    x.res.writeHead(status, headers);
    x.res.end(range ? bytes.subarray(start, end + 1) : bytes);
    return;
  }
  await streamBlob(x, s.blobs.path(digest), { start, end, status, headers, digest });
}

/** Streams a byte range of the blob file; headers go out only once the file is open. */
async function streamBlob(
  x: Exchange,
  file: string,
  o: { start: number; end: number; status: number; headers: OutgoingHttpHeaders; digest: Digest },
): Promise<void> {
  const rs = createReadStream(file, { start: o.start, end: o.end, highWaterMark: READ_CHUNK });
  try {
    await once(rs, 'ready');
  } catch (err) {
    rs.destroy();
    // Deleted by gc since the size lookup: the blob is gone.
    if (errnoCode(err) === 'ENOENT') throw blobUnknown(o.digest);
    throw err;
  }
  x.res.writeHead(o.status, o.headers);
  try {
    await pipeline(rs, x.res);
  } catch {
    // The client went away mid-body: nothing more to say to it.
  }
}

async function deleteBlob(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, ref] = x.params as [string, string];
  const digest = parseClientDigest(ref);
  // Only the repository's link goes; the bytes stay until gc finds nothing references them.
  if (!(await s.repos.unlinkBlob(name, digest))) throw blobUnknown(digest);
  sendEmpty(x, 202, { 'Docker-Content-Digest': digest });
}

export const blobRoutes: Route[] = [
  {
    methods: ['GET', 'HEAD'],
    pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/,
    named: true,
    access: (x) => repoAccess(x.params[0]!, ...actionsFor(x.method)),
    handle: getBlob,
  },
  {
    methods: ['DELETE'],
    pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/,
    named: true,
    access: (x) => repoAccess(x.params[0]!, ...actionsFor(x.method)),
    handle: deleteBlob,
  },
];
