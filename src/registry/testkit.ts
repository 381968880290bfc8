/**
 * Helpers for the registry's tests: an in-process registry on a fresh temp root and port, with
 * its request log captured, and small clients for blobs and manifests.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Digest, sha256 } from '../lib/digest.js';
import { createLogger } from '../lib/logger.js';
import { MediaType } from '../spec/oci/media-types.js';
import { type RegistryServerOptions, type RunningRegistry, startRegistryServer } from './registry-server.js';

export interface TestRegistry extends RunningRegistry {
  root: string;
  /** Request log lines so far. */
  logs: string[];
  /** Stops the server (the root stays, for restarts); `destroy` also removes the root. */
  destroy(): Promise<void>;
}

/** Starts a registry on 127.0.0.1 and a free port; `root` reuses a root (a restart). */
export async function startTestRegistry(opts: Partial<RegistryServerOptions> = {}): Promise<TestRegistry> {
  const root = opts.root ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-registry-')));
  const logs: string[] = [];
  const log = createLogger('info', { write: (s: string) => logs.push(s) });
  const reg = await startRegistryServer({ addr: '127.0.0.1:0', ...opts, root, log });
  return {
    ...reg,
    root,
    logs,
    async destroy() {
      await reg.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** `fetch` against the registry with an optional Authorization header. */
export function client(base: string, auth?: string) {
  return (p: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (auth && !headers.has('authorization')) headers.set('authorization', auth);
    return fetch(`${base}${p}`, { ...init, headers, redirect: 'manual' });
  };
}

export type Client = ReturnType<typeof client>;

/** `Basic <base64>` */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Uploads a blob in one POST; asserts nothing, returns the response. */
export async function pushBlob(c: Client, repo: string, data: Buffer | string): Promise<{ digest: Digest; status: number }> {
  const buf = Buffer.from(data);
  const digest = sha256(buf);
  const res = await c(`/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: buf, headers: { 'content-type': 'application/octet-stream' } });
  await res.arrayBuffer();
  return { digest, status: res.status };
}

/** An OCI image manifest over the given config and layers (digests and sizes from the bytes). */
export function imageManifest(config: Buffer | string, layers: (Buffer | string)[], extra: Record<string, unknown> = {}): Buffer {
  const desc = (mediaType: string, b: Buffer | string) => ({ mediaType, digest: sha256(Buffer.from(b)), size: Buffer.byteLength(b) });
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: desc(MediaType.ociConfig, config),
      layers: layers.map((l) => desc(MediaType.ociLayer, l)),
      ...extra,
    }),
  );
}

/** PUTs a manifest; returns the response (body read). */
export async function putManifest(c: Client, repo: string, ref: string, body: Buffer, mediaType: string = MediaType.ociManifest) {
  const res = await c(`/v2/${repo}/manifests/${ref}`, { method: 'PUT', body, headers: { 'content-type': mediaType } });
  const text = await res.text();
  return { res, status: res.status, text, json: text ? (JSON.parse(text) as { errors?: { code: string; detail?: unknown }[] }) : undefined };
}

/** Pushes config + layers and the manifest under `tag`; returns the manifest digest. */
export async function pushImage(c: Client, repo: string, tag: string, config: string, layers: (Buffer | string)[]): Promise<Digest> {
  for (const b of [config, ...layers]) await pushBlob(c, repo, b);
  const m = imageManifest(config, layers);
  const r = await putManifest(c, repo, tag, m);
  if (r.status !== 201) throw new Error(`manifest push failed: ${r.status} ${r.text}`);
  return sha256(m);
}

/** The error codes of a registry error body. */
export async function errorCodes(res: Response): Promise<string[]> {
  const body = (await res.json()) as { errors: { code: string }[] };
  return body.errors.map((e) => e.code);
}
