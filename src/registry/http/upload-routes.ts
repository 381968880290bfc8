/**
 * `/v2/<name>/blobs/uploads/…`: start (monolithic with `?digest=`, cross-repository `?mount=`,
 * or a session), PATCH chunks, PUT to close, GET status, DELETE to cancel.
 */
import type { Digest } from '../../lib/digest.js';
import { checkRepositoryName, parseClientDigest } from '../names.js';
import { registryError } from '../registry-error.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import { type Chunk, type ChunkRange, uploadHeaders } from '../storage/upload-store.js';
import { type Exchange, hasBody, parseContentRange, sendEmpty } from './exchange.js';
import { type Route, repoAccess } from './route.js';

/** The request body as an upload chunk, counting bytes into the exchange for the log. */
function chunk(x: Exchange, range?: ChunkRange): Chunk {
  return {
    body: x.req,
    range,
    onBytes: (n) => {
      x.bytesIn += n;
    },
  };
}

/** The chunk's range, checked against Content-Length when both are given (416 otherwise). */
function chunkRange(x: Exchange): ChunkRange | undefined {
  const range = parseContentRange(x.req.headers['content-range']);
  const cl = x.req.headers['content-length'];
  if (range && cl !== undefined && range.end - range.start + 1 !== Number(cl)) {
    throw registryError('BLOB_UPLOAD_INVALID', `Content-Range ${range.start}-${range.end} does not match Content-Length ${cl}`, { status: 416 });
  }
  return range;
}

function blobCreated(x: Exchange, name: string, digest: Digest): void {
  sendEmpty(x, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

/** Cross-repository mount: links the blob when the caller may pull `from` and it is there. */
async function tryMount(x: Exchange, s: RegistryStorage, name: string, mount: string): Promise<boolean> {
  const from = x.query.get('from');
  const digest = parseClientDigest(mount);
  if (!from) return false;
  checkRepositoryName(from);
  if (!x.grant.allows('repository', from, 'pull')) return false;
  if ((await s.repos.blobSize(from, digest)) === undefined) return false;
  // Refresh the blob's mtime first: a concurrent gc never deletes a recently wanted blob.
  if (!(await s.blobs.touch(digest))) return false;
  await s.repos.linkBlob(name, digest);
  blobCreated(x, name, digest);
  return true;
}

async function startUpload(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name] = x.params as [string];
  const mount = x.query.get('mount');
  if (mount && (await tryMount(x, s, name, mount))) return;
  const alg = x.query.get('digest-algorithm');
  if (alg && alg !== 'sha256') throw registryError('DIGEST_INVALID', `unsupported digest algorithm "${alg}"`, { detail: { algorithm: alg } });
  const want = x.query.get('digest');
  // Monolithic upload in one POST when it carries the bytes; without them, a plain session.
  const digest = want !== null && hasBody(x.req) ? parseClientDigest(want) : undefined;
  const st = await s.uploads.create(name);
  if (digest) {
    await s.uploads.complete(name, st.uuid, digest, chunk(x));
    await s.repos.linkBlob(name, digest);
    blobCreated(x, name, digest);
    return;
  }
  sendEmpty(x, 202, uploadHeaders(st));
}

async function patchUpload(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, uuid] = x.params as [string, string];
  const range = chunkRange(x);
  const st = await s.uploads.append(name, uuid, chunk(x, range));
  sendEmpty(x, 202, uploadHeaders(st));
}

async function putUpload(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, uuid] = x.params as [string, string];
  const want = x.query.get('digest');
  if (!want) throw registryError('DIGEST_INVALID', 'the closing PUT needs ?digest=', { detail: { uuid } });
  const digest = parseClientDigest(want);
  const final = hasBody(x.req) ? chunk(x, chunkRange(x)) : undefined;
  await s.uploads.complete(name, uuid, digest, final);
  await s.repos.linkBlob(name, digest);
  blobCreated(x, name, digest);
}

async function uploadStatus(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, uuid] = x.params as [string, string];
  sendEmpty(x, 204, uploadHeaders(await s.uploads.status(name, uuid)));
}

async function cancelUpload(x: Exchange, s: RegistryStorage): Promise<void> {
  const [name, uuid] = x.params as [string, string];
  await s.uploads.cancel(name, uuid);
  sendEmpty(x, 204);
}

const SESSION = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/;
const push = (x: { params: string[] }) => repoAccess(x.params[0]!, 'pull', 'push');

export const uploadRoutes: Route[] = [
  { methods: ['POST'], pattern: /^\/v2\/(.+)\/blobs\/uploads\/?$/, named: true, access: push, handle: startUpload },
  { methods: ['PATCH'], pattern: SESSION, named: true, access: push, handle: patchUpload },
  { methods: ['PUT'], pattern: SESSION, named: true, access: push, handle: putUpload },
  { methods: ['GET'], pattern: SESSION, named: true, access: push, handle: uploadStatus },
  { methods: ['DELETE'], pattern: SESSION, named: true, access: push, handle: cancelUpload },
];
