import type { IncomingMessage } from 'node:http';
import type { ApiCaller } from './api-caller.js';

export interface ImagePullOptions {
  /** `os[/arch[/variant]]`. */
  platform?: string;
  /** base64url JSON of the registry credentials; docker sends `e30=` (`{}`) when it has none. */
  registryAuth?: string;
}

/**
 * `POST /images/create?fromImage=&tag=`: a pull, as `docker run`/`docker create` issue it for a
 * missing image. Returns the JSON-message progress stream.
 */
export class ImagePullApi {
  constructor(private readonly api: ApiCaller) {}

  /** `fromImage` is the fully qualified repository (`docker.io/library/busybox`), `tag` its tag or digest. */
  pull(fromImage: string, tag: string, opts: ImagePullOptions = {}): Promise<IncomingMessage> {
    const query = { fromImage, platform: opts.platform || undefined, tag };
    return this.api.call('POST', '/images/create', { query, headers: { 'X-Registry-Auth': opts.registryAuth ?? 'e30=' } });
  }
}
