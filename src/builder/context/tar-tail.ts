/**
 * Tolerates a context tar that stops right after its last entry's data.
 *
 * The real docker CLI sends such a tar for `docker build -f - DIR` and for a Dockerfile outside
 * the context: its ReplaceFileTarWrapper closes the pipe before the tar writer has written the
 * last entry's padding and the end-of-archive blocks. Go's archive/tar (dockerd) reads a clean
 * EOF there; tar-stream reports "Unexpected end of data". This transform follows the tar
 * structure and, only when the input ends exactly at an entry boundary (after data, before
 * padding, or before a header), appends the missing padding and the two zero blocks. A stream
 * cut inside an entry's data is passed on as it is, so the extractor still rejects it.
 */
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;

/** The size field of a tar header: octal, or GNU base-256 when the high bit is set. */
function headerSize(h: Buffer): number {
  const field = h.subarray(124, 136);
  if (field[0] & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i];
    return n;
  }
  const s = field.toString('latin1').replace(/[\0 ]+$/, '').trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

/** The `size` record of a PAX header body, if any. */
function paxSize(body: Buffer): number | undefined {
  const m = /(?:^|\n)\d+ size=(\d+)\n/.exec(body.toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

/** A Transform that completes a tar cut at an entry boundary (see the module comment). */
export function completeTarTail(): Transform {
  let header = Buffer.alloc(0); // partial header block
  let dataLeft = 0; // bytes of entry data still to come
  let padLeft = 0; // bytes of padding still to come
  let paxBody: Buffer[] | undefined; // body of a PAX 'x' header being read
  let nextSize: number | undefined; // size override from a PAX header
  let ended = false; // saw the zero block

  const consume = (chunk: Buffer): void => {
    let pos = 0;
    while (pos < chunk.length && !ended) {
      if (dataLeft > 0) {
        const n = Math.min(dataLeft, chunk.length - pos);
        paxBody?.push(chunk.subarray(pos, pos + n));
        dataLeft -= n;
        pos += n;
        if (dataLeft === 0 && paxBody) {
          nextSize = paxSize(Buffer.concat(paxBody));
          paxBody = undefined;
        }
        continue;
      }
      if (padLeft > 0) {
        const n = Math.min(padLeft, chunk.length - pos);
        padLeft -= n;
        pos += n;
        continue;
      }
      const n = Math.min(BLOCK - header.length, chunk.length - pos);
      header = Buffer.concat([header, chunk.subarray(pos, pos + n)]);
      pos += n;
      if (header.length < BLOCK) continue;
      if (header.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const type = String.fromCharCode(header[156]);
      const size = nextSize !== undefined && type !== 'x' && type !== 'g' ? nextSize : headerSize(header);
      if (type !== 'x' && type !== 'g') nextSize = undefined;
      // Only regular files (and the meta entries) carry data; links and dirs declare none.
      const hasData = ['0', '\0', '7', 'x', 'g', 'L', 'K'].includes(type);
      dataLeft = hasData ? size : 0;
      padLeft = hasData ? (BLOCK - (size % BLOCK)) % BLOCK : 0;
      paxBody = type === 'x' && dataLeft > 0 ? [] : undefined;
      header = Buffer.alloc(0);
    }
  };

  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      consume(chunk);
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      if (!ended && dataLeft === 0 && header.length === 0) {
        // Cut after an entry's data (padding missing) or at a header boundary: complete it.
        this.push(Buffer.alloc(padLeft + 2 * BLOCK));
      }
      cb();
    },
  });
}
