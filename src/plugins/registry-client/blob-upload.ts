/**
 * One blob upload session (distribution spec "Pushing blobs"): the blob goes up in one streamed
 * `PATCH`, or in chunks in order with
 * `PATCH` + `Content-Range: <start>-<end>` (inclusive); each answer's `Location` is the URL of
 * the next request, and `PUT <location>?digest=<digest>` closes the session — with the whole
 * blob as its body for a monolithic upload. Nothing is visible in the repository until that PUT
 * succeeds; {@link cancel} releases an abandoned session.
 */
import { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import type { RegistrySession } from './registry-session.js';

export class BlobUpload {
  /** Bytes the registry holds so far. */
  offset = 0;

  constructor(
    private readonly session: RegistrySession,
    private readonly scopes: string[],
    private location: URL,
    /** The registry's `OCI-Chunk-Min-Length` (0 when it set none). */
    readonly minChunk = 0,
  ) {}

  /**
   * Sends the next chunk (`PATCH` with its byte range). The chunk may be given as pieces, sent
   * back to back without being joined into one buffer first.
   */
  async patch(chunk: Buffer | Buffer[]): Promise<void> {
    const pieces = Array.isArray(chunk) ? chunk : [chunk];
    const length = pieces.reduce((n, b) => n + b.length, 0);
    if (length === 0) return;
    const res = await this.session.send({
      method: 'PATCH',
      path: this.location.href,
      scopes: this.scopes,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Range': `${this.offset}-${this.offset + length - 1}`,
        'Content-Length': String(length),
      },
      body: pieces.length === 1 ? pieces[0] : Readable.from(pieces, { objectMode: false }),
    });
    await res.body.dump();
    this.offset += length;
    this.follow(res.header('location'));
  }

  /**
   * Streams the rest of the blob in one `PATCH` with no Content-Range (the spec's "streamed"
   * upload; what dockerd sends): the body goes out as it is produced, with chunked transfer
   * encoding, and the registry takes it in one request instead of one per chunk.
   */
  async patchStream(body: AsyncIterable<Buffer>): Promise<void> {
    let length = 0;
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of body) {
          length += chunk.length;
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
    const res = await this.session.send({ method: 'PATCH', path: this.location.href, scopes: this.scopes, headers: { 'Content-Type': 'application/octet-stream' }, body: counted });
    await res.body.dump();
    this.offset += length;
    this.follow(res.header('location'));
  }

  /** Closes the session (`PUT ?digest=`), optionally carrying the final bytes (monolithic upload). */
  async complete(digest: Digest, final?: Buffer): Promise<void> {
    const url = new URL(this.location.href);
    url.searchParams.append('digest', digest);
    const headers: Record<string, string> = { 'Content-Length': String(final?.length ?? 0) };
    if (final && final.length > 0) {
      headers['Content-Type'] = 'application/octet-stream';
      if (this.offset > 0) headers['Content-Range'] = `${this.offset}-${this.offset + final.length - 1}`;
    }
    const res = await this.session.send({ method: 'PUT', path: url.href, scopes: this.scopes, headers, body: final ?? Buffer.alloc(0) });
    await res.body.dump();
    const got = res.header('docker-content-digest');
    if (got && got !== digest) throw invalidArgument(`registry stored blob ${got}, expected ${digest}`);
  }

  /** Abandons the session (`DELETE`); failures are ignored, as the spec allows. */
  async cancel(): Promise<void> {
    try {
      const res = await this.session.send({ method: 'DELETE', path: this.location.href, scopes: this.scopes, ok: () => true });
      await res.body.dump();
    } catch {
      // The registry times unfinished uploads out on its own.
    }
  }

  private follow(location: string | undefined): void {
    if (location) this.location = new URL(location, this.location);
  }
}
