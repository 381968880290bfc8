/**
 * A small in-memory registry over node:http on 127.0.0.1, for tests of the distribution client
 * and of the engine's pull/push: the spec's endpoints (ping, manifests, blobs with HEAD/GET,
 * uploads — monolithic, chunked with Content-Range, cross-repository mount —, tags, catalog),
 * Basic or Bearer-token auth, a request log, storage redirects to a second origin, and blobs
 * that can be made to lie about their content (`corrupt`) or to stall. Not a product: the real
 * registry is `wharf registry`; this one exists to make a test's registry misbehave on purpose.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeAuth = { kind: 'none' } | { kind: 'basic'; user: string; pass: string } | { kind: 'bearer'; user: string; pass: string };

export interface LoggedRequest {
  method: string;
  path: string;
  authorization?: string;
  range?: string;
}

interface Manifest {
  bytes: Buffer;
  mediaType: string;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export class FakeRegistry {
  readonly log: LoggedRequest[] = [];
  readonly blobs = new Map<string, Buffer>();
  /** Bytes served for a digest instead of the real ones (a lying registry). */
  readonly corrupt = new Map<string, Buffer>();
  /**
   * Blob GETs that send `at` bytes of their body and then drop the connection — the next
   * `times` GETs (every one when `times` is absent).
   */
  readonly truncate = new Map<string, { at: number; times?: number }>();
  /** Digests whose ranged GETs (a resumed download) send wrong bytes past the offset. */
  readonly corruptResumed = new Set<string>();
  /** Blob GETs of a digest answered 503, this many times (a registry restarting). */
  readonly unavailable = new Map<string, number>();
  /** Honour `Range: bytes=N-` on blob GETs (206); off, the whole blob is sent (200). */
  ranges = true;
  readonly manifests = new Map<string, Map<string, Manifest>>();
  readonly repoBlobs = new Map<string, Set<string>>();
  readonly tokensIssued: string[] = [];
  /** When set, blob GETs redirect to this origin's `/storage/<digest>`. */
  redirectTo?: string;
  /** Answer `GET /v2/` without auth (challenge only on repositories), as some registries do. */
  anonymousPing = false;
  private readonly uploads = new Map<string, { repo: string; data: Buffer[]; size: number }>();
  private server?: http.Server;
  url = '';

  constructor(readonly auth: FakeAuth = { kind: 'none' }) {}

  /** `127.0.0.1:<port>`. */
  get host(): string {
    return new URL(this.url).host;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Adds a blob to a repository; returns its digest. */
  putBlob(repo: string, data: Buffer): string {
    const d = sha(data);
    this.blobs.set(d, data);
    this.repo(repo).add(d);
    return d;
  }

  /** Adds a manifest under `tag` (and its digest); returns the digest. */
  putManifest(repo: string, tag: string | undefined, bytes: Buffer, mediaType: string): string {
    const d = sha(bytes);
    const m = this.manifests.get(repo) ?? new Map<string, Manifest>();
    m.set(d, { bytes, mediaType });
    if (tag) m.set(tag, { bytes, mediaType });
    this.manifests.set(repo, m);
    return d;
  }

  private repo(name: string): Set<string> {
    let s = this.repoBlobs.get(name);
    if (!s) this.repoBlobs.set(name, (s = new Set()));
    return s;
  }

  private challenge(): string {
    return this.auth.kind === 'basic' ? 'Basic realm="fake"' : `Bearer realm="${this.url}/token",service="fake-registry"`;
  }

  private authorized(req: http.IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    if (this.auth.kind === 'none') return true;
    if (this.auth.kind === 'basic') return h === `Basic ${Buffer.from(`${this.auth.user}:${this.auth.pass}`).toString('base64')}`;
    return h.startsWith('Bearer ') && this.tokensIssued.includes(h.slice(7));
  }

  private async token(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const a = this.auth as { user: string; pass: string };
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant: the identity token handed out at login.
      const form = new URLSearchParams((await readBody(req)).toString());
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-me') {
        return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid refresh token' }] });
      }
    } else if (req.headers.authorization !== `Basic ${Buffer.from(`${a.user}:${a.pass}`).toString('base64')}`) {
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] });
    }
    const t = randomUUID();
    this.tokensIssued.push(t);
    json(res, 200, { token: t, expires_in: 300, refresh_token: 'refresh-me' });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    this.log.push({ method: req.method ?? '', path: url.pathname + url.search, authorization: req.headers.authorization, range: req.headers.range });
    if (url.pathname === '/token') return this.token(req, res);
    if (url.pathname.startsWith('/storage/')) return this.sendBlob(req, res, url.pathname.slice('/storage/'.length));
    if (url.pathname === '/v2/' && this.anonymousPing) return json(res, 200, {});
    if (url.pathname === '/v2/' && !req.headers.authorization && this.auth.kind !== 'none') {
      res.writeHead(401, { 'WWW-Authenticate': this.challenge(), 'Content-Type': 'application/json' });
      return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (!this.authorized(req)) {
      res.writeHead(401, { 'WWW-Authenticate': this.challenge(), 'Content-Type': 'application/json' });
      return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (url.pathname === '/v2/') return json(res, 200, {});
    if (url.pathname === '/v2/_catalog') return json(res, 200, { repositories: [...new Set([...this.manifests.keys(), ...this.repoBlobs.keys()])].sort() });
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.*)$/.exec(url.pathname);
    if (!m) return json(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
    const [, repo, kind, rest] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') return this.manifest(req, res, repo, rest);
    if (kind === 'tags') return json(res, 200, { name: repo, tags: [...(this.manifests.get(repo)?.keys() ?? [])].filter((k) => !k.startsWith('sha256:')) });
    if (rest.startsWith('uploads/')) return this.upload(req, res, url, repo, rest.slice('uploads/'.length));
    if (!this.repo(repo).has(rest)) return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
    if (this.redirectTo && req.method === 'GET') {
      res.writeHead(307, { Location: `${this.redirectTo}/storage/${rest}` });
      return void res.end();
    }
    return this.sendBlob(req, res, rest);
  }

  private sendBlob(req: http.IncomingMessage, res: http.ServerResponse, digest: string): void {
    const data = this.corrupt.get(digest) ?? this.blobs.get(digest);
    if (!data) {
      json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
      return;
    }
    const down = this.unavailable.get(digest) ?? 0;
    if (down > 0 && req.method === 'GET') {
      this.unavailable.set(digest, down - 1);
      json(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'service unavailable' }] });
      return;
    }
    const from = this.ranges && req.method === 'GET' ? Number(/^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''))?.[1] ?? 0) : 0;
    const headers = { 'Content-Length': data.length - from, 'Docker-Content-Digest': digest, 'Content-Type': 'application/octet-stream' };
    if (from > 0) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${from}-${data.length - 1}/${data.length}` });
    else res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    const cut = this.truncate.get(digest);
    if (cut && from + cut.at < data.length && (cut.times ?? 1) > 0) {
      if (cut.times !== undefined) cut.times--;
      res.write(data.subarray(from, from + cut.at), () => res.socket?.destroy());
      return;
    }
    if (from > 0 && this.corruptResumed.has(digest)) {
      const wrong = Buffer.from(data.subarray(from));
      wrong[wrong.length - 1] = wrong[wrong.length - 1]! ^ 0xff;
      return void res.end(wrong);
    }
    res.end(data.subarray(from));
  }

  private manifest(req: http.IncomingMessage, res: http.ServerResponse, repo: string, ref: string): Promise<void> | void {
    if (req.method === 'PUT') {
      return readBody(req).then((bytes) => {
        const d = this.putManifest(repo, ref.startsWith('sha256:') ? undefined : ref, bytes, String(req.headers['content-type']));
        res.writeHead(201, { 'Docker-Content-Digest': d, Location: `/v2/${repo}/manifests/${d}` });
        res.end();
      });
    }
    const found = this.manifests.get(repo)?.get(ref);
    if (!found) return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
    res.writeHead(200, { 'Content-Type': found.mediaType, 'Content-Length': found.bytes.length, 'Docker-Content-Digest': sha(found.bytes) });
    res.end(req.method === 'HEAD' ? undefined : found.bytes);
  }

  private async upload(req: http.IncomingMessage, res: http.ServerResponse, url: URL, repo: string, id: string): Promise<void> {
    if (req.method === 'POST') {
      const mount = url.searchParams.get('mount');
      const from = url.searchParams.get('from');
      if (mount && from && this.repoBlobs.get(from)?.has(mount)) {
        this.repo(repo).add(mount);
        res.writeHead(201, { Location: `/v2/${repo}/blobs/${mount}`, 'Docker-Content-Digest': mount });
        return void res.end();
      }
      const uid = randomUUID();
      this.uploads.set(uid, { repo, data: [], size: 0 });
      res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${uid}?_state=x`, Range: '0-0' });
      return void res.end();
    }
    const up = this.uploads.get(id);
    if (!up) return json(res, 404, { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN', message: 'blob upload unknown to registry' }] });
    if (req.method === 'DELETE') {
      this.uploads.delete(id);
      res.writeHead(204);
      return void res.end();
    }
    const body = await readBody(req);
    const range = req.headers['content-range'];
    if (range && Number(String(range).split('-')[0]) !== up.size) return json(res, 416, { errors: [{ code: 'BLOB_UPLOAD_INVALID', message: 'out of order' }] });
    up.data.push(body);
    up.size += body.length;
    if (req.method === 'PATCH') {
      res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${id}?_state=y`, Range: `0-${up.size - 1}` });
      return void res.end();
    }
    const all = Buffer.concat(up.data);
    const want = url.searchParams.get('digest');
    if (sha(all) !== want) return json(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }] });
    this.uploads.delete(id);
    this.putBlob(repo, all);
    res.writeHead(201, { Location: `/v2/${repo}/blobs/${want}`, 'Docker-Content-Digest': want });
    res.end();
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
