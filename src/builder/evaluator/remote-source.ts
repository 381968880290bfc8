import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../../errdefs/index.js';

/** moby urlutil.IsURL: ADD fetches http(s) sources. */
export function isURL(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

const UNNAMED = '__unnamed__';

/** A source fetched for ADD, in its own temp dir. */
export interface Download {
  dir: string;
  /** The file's name in `dir` (`__unnamed__` when neither URL nor headers name it). */
  file: string;
  /** The name Docker derives for the destination ('' when unknown). */
  name: string;
}

/** moby getFilenameForDownload: the URL path's basename, else Content-Disposition's filename. */
function filenameFor(url: URL, res: Response): string {
  const p = url.pathname;
  if (p && !p.endsWith('/')) {
    const base = path.posix.basename(decodeURIComponent(p));
    if (base) return base;
  }
  const cd = res.headers.get('content-disposition');
  const m = cd ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd) : null;
  if (m && !m[1]!.endsWith('/')) return path.posix.basename(m[1]!);
  return '';
}

/**
 * Downloads an ADD URL into a fresh dir under `scratchDir` as dockerd does (downloadSource): the
 * file is 0600, its mtime the Last-Modified header or the epoch. The daemon fetches it itself,
 * so loopback servers work. Errors: InvalidArgument with Docker's `failed to GET … with status`.
 */
export async function download(src: string, dest: string, scratchDir: string): Promise<Download> {
  const url = new URL(src);
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw invalidArgument(`error downloading ${src}: ${(err as Error).message}`, { cause: err });
  }
  if (res.status >= 400) {
    const body = (await res.text().catch(() => '')).slice(0, 1024);
    throw invalidArgument(`failed to GET ${src} with status ${res.status} ${res.statusText}: ${body}`);
  }
  const name = filenameFor(url, res);
  if (!name && dest.endsWith('/')) throw invalidArgument(`cannot determine filename for source ${src}`);
  const dir = path.join(scratchDir, `download-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = name || UNNAMED;
  const target = path.join(dir, file);
  try {
    const body = res.body ? Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
    await pipeline(body, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    const lastMod = res.headers.get('last-modified');
    const t = lastMod && !Number.isNaN(Date.parse(lastMod)) ? new Date(Date.parse(lastMod)) : new Date(0);
    await fs.utimes(target, t, t);
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw invalidArgument(`error downloading ${src}: ${(err as Error).message}`, { cause: err });
  }
  return { dir, file, name };
}
