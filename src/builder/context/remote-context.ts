/**
 * `POST /build?remote=…` (moby builder/remotecontext.Detect): the context comes from a URL the
 * daemon fetches itself instead of the request body — a git repository (see git-context.ts), or
 * an http(s) URL serving a context archive (tar, possibly compressed) or a bare Dockerfile
 * (`text/plain`, or undeclared text), with dockerd's `Downloading context` progress line.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { internal, invalidArgument, notFound, toWharfError } from '../../errdefs/index.js';
import { progressBar } from '../../services/images/json-progress.js';
import type { JSONMessage } from '../../spec/engine/types.js';
import { cloneGitContext, isGitURL } from './git-context.js';
import { type BuildContext, contextFromDir, type OpenContextOptions, openBuildContext } from './open-context.js';
import { isArchive } from './stdin-context.js';

/** Options of {@link openRemoteContext}. */
export interface RemoteContextOptions extends OpenContextOptions {
  /** Receives the download's progress message (written before the build's first step). */
  progress?: (m: JSONMessage) => void;
  signal?: AbortSignal;
}

/** The `remote` value BuildKit's client sessions use; the classic builder refuses it. */
const CLIENT_SESSION = 'client-session';
const PREAMBLE = 512;

const isURL = (s: string) => /^https?:\/\//i.test(s);

/**
 * Opens the context `remote` names. Errors are dockerd's: `remoteURL (X) could not be
 * recognized as URL`, `error downloading remote context URL: failed to GET URL with status …`
 * (NotFound for 404), git's `error fetching: …`, and those of {@link openBuildContext}.
 */
export async function openRemoteContext(remote: string, opts: RemoteContextOptions = {}): Promise<BuildContext> {
  if (remote === CLIENT_SESSION) {
    throw invalidArgument('experimental session with v1 builder is no longer supported, use builder version v2 (BuildKit) instead');
  }
  if (isGitURL(remote)) return openGitContext(remote, opts);
  if (isURL(remote)) return openURLContext(remote, opts);
  throw internal(`remoteURL (${remote}) could not be recognized as URL`);
}

async function privateDir(opts: OpenContextOptions, prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), prefix));
  // 0700: a context may hold secrets.
  await fs.chmod(dir, 0o700);
  return dir;
}

async function openGitContext(url: string, opts: RemoteContextOptions): Promise<BuildContext> {
  const root = await privateDir(opts, 'wharf-build-git-');
  const close = () => fs.rm(root, { recursive: true, force: true });
  try {
    return await contextFromDir(await cloneGitContext(url, root), opts.dockerfile, close);
  } catch (err) {
    await close();
    throw toWharfError(err);
  }
}

/** Go's http.DetectContentType only says text/plain when the preamble has no binary bytes. */
function looksBinary(head: Buffer): boolean {
  return head.some((b) => b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f));
}

/**
 * moby inspectResponse: the declared media type, or — when there is none or it is
 * application/octet-stream, as servers say for an extension-less `Dockerfile` — the type the
 * first 512 bytes show. Only `text/plain` means a bare Dockerfile; anything else is read as an
 * archive (and fails as one if it is not).
 */
function isPlainText(contentType: string | null, head: Buffer): boolean {
  const declared = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (declared !== '' && declared !== 'application/octet-stream') return declared === 'text/plain';
  return !isArchive(head) && !looksBinary(head);
}

async function fetchRemote(url: string, signal?: AbortSignal): Promise<Response> {
  const what = `error downloading remote context ${url}`;
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal });
  } catch (err) {
    throw internal(`${what}: ${(err as Error).message}`, { cause: err });
  }
  if (res.status < 400) return res;
  const body = (await res.text().catch(() => '')).trim();
  const msg = `${what}: failed to GET ${url} with status ${res.status} ${res.statusText}: ${body}`;
  throw res.status === 404 ? notFound(msg) : internal(msg);
}

async function openURLContext(url: string, opts: RemoteContextOptions): Promise<BuildContext> {
  const res = await fetchRemote(url, opts.signal);
  const it = (res.body ? Readable.fromWeb(res.body as ReadableStream<Uint8Array>) : Readable.from([]))[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let received = 0;
  let ended = false;
  while (received < PREAMBLE && !ended) {
    const r = await it.next();
    if (r.done) ended = true;
    else {
      chunks.push(r.value as Buffer);
      received += (r.value as Buffer).length;
    }
  }
  const head = Buffer.concat(chunks);
  if (head.length === 0) throw internal(`error downloading remote context ${url}: empty response`);
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    while (!ended) {
      const r = await it.next();
      if (r.done) return;
      received += (r.value as Buffer).length;
      yield r.value as Buffer;
    }
  }
  // dockerd's progress reader: the URL as status, the byte count without a total.
  const reportDone = () => opts.progress?.({ status: url, progressDetail: { current: received }, progress: progressBar(received, 0), id: 'Downloading context' });
  if (!isPlainText(res.headers.get('content-type'), head)) {
    const ctx = await openBuildContext(Readable.from(body()), opts);
    reportDone();
    return ctx;
  }
  // A bare Dockerfile: the context is empty and the `dockerfile` parameter does not apply (moby
  // newURLRemote parses the download and builds with no source).
  const parts: Buffer[] = [];
  for await (const b of body()) parts.push(b);
  reportDone();
  const dir = await privateDir(opts, 'wharf-build-context-');
  const text = Buffer.concat(parts).toString('utf8');
  return { dir, dockerfileName: 'Dockerfile', dockerfile: text, ignore: [], close: () => fs.rm(dir, { recursive: true, force: true }) };
}
