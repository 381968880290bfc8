import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { internal } from '../errdefs/index.js';
import { type ApiCaller, pathName } from './api-caller.js';

/**
 * What `X-Docker-Container-Path-Stat` carries about a path in a container: base64 of
 * `{"name","size","mode","mtime","linkTarget"}`, `mode` being a Go os.FileMode (type bits high).
 */
export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode type bits, as the stat header carries them. */
export const GO_MODE_DIR = 0x80000000;
export const GO_MODE_SYMLINK = 0x08000000;

const STAT_HEADER = 'x-docker-container-path-stat';

/** Decodes the path-stat header (standard base64 of JSON). */
export function decodePathStat(res: IncomingMessage): ContainerPathStat {
  const raw = res.headers[STAT_HEADER];
  if (typeof raw !== 'string') throw internal('unable to get resource stat from response');
  try {
    return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as ContainerPathStat;
  } catch (e) {
    throw internal('unable to decode container path stat header', { cause: e });
  }
}

/** The archive endpoints behind `docker cp`: stat, download and upload of paths in a container. */
export class ContainerArchiveApi {
  constructor(private readonly api: ApiCaller) {}

  /** `HEAD /containers/{id}/archive?path=`: what the path is (links are not followed). */
  async stat(id: string, path: string): Promise<ContainerPathStat> {
    const res = await this.api.call('HEAD', `/containers/${pathName(id)}/archive`, { query: { path } });
    res.resume();
    return decodePathStat(res);
  }

  /** `GET /containers/{id}/archive?path=`: a tar of the path, and the path's stat. */
  async get(id: string, path: string): Promise<{ stat: ContainerPathStat; content: IncomingMessage }> {
    const content = await this.api.call('GET', `/containers/${pathName(id)}/archive`, { query: { path } });
    return { stat: decodePathStat(content), content };
  }

  /** `PUT /containers/{id}/archive?path=`: extracts a tar into the directory `path`. */
  put(id: string, path: string, tar: Readable, opts: { copyUIDGID?: boolean; allowOverwriteDirWithFile?: boolean } = {}): Promise<void> {
    const query = {
      copyUIDGID: opts.copyUIDGID ? 'true' : undefined,
      noOverwriteDirNonDir: opts.allowOverwriteDirWithFile ? undefined : 'true',
      path,
    };
    // docker sends the tar as text/plain, chunked.
    return this.api.callNoContent('PUT', `/containers/${pathName(id)}/archive`, { query, body: tar, headers: { 'Content-Type': 'text/plain' } });
  }
}
