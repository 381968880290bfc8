/**
 * Docker's JSON-message progress streams (pull, push, load, import, build): one JSON object per
 * line, `\r\n`- or `\n`-terminated, chunk boundaries meaningless. An `error` line ends the
 * stream with an error even though the HTTP status was 200.
 */
import { WharfError } from '../errdefs/index.js';
import type { JSONMessage } from '../spec/engine/types.js';
import { statusKind } from './daemon-error.js';

/**
 * The error carried by a stream's `error` line. Its message is printed as is (docker prints
 * e.g. `The command '/bin/sh -c false' returned a non-zero code: 1` with no prefix).
 */
export class JSONMessageError extends WharfError {
  readonly code?: number;

  constructor(message: string, code?: number) {
    super(code && code >= 400 && code < 600 ? statusKind(code) : 'Internal', message);
    if (code !== undefined) this.code = code;
  }
}

/** Parses a byte stream into JSON messages, line by line. Malformed lines are an Internal error. */
export async function* readJSONMessages(stream: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<JSONMessage> {
  let buf = '';
  const parse = (line: string): JSONMessage | null => {
    const t = line.trim();
    if (!t) return null;
    try {
      return JSON.parse(t) as JSONMessage;
    } catch (e) {
      throw new WharfError('Internal', `invalid JSON message from daemon: ${t.slice(0, 200)}`, { cause: e });
    }
  };
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const msg = parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (msg) yield msg;
      nl = buf.indexOf('\n');
    }
  }
  const last = parse(buf);
  if (last) yield last;
}

/** The error a message carries, if it is an error line. */
export function messageError(m: JSONMessage): JSONMessageError | null {
  if (m.error === undefined && m.errorDetail === undefined) return null;
  const message = m.errorDetail?.message ?? m.error ?? '';
  return new JSONMessageError(message, m.errorDetail?.code);
}

/**
 * Reads a progress stream to its end, handing each message to `onMessage`; throws the
 * JSONMessageError of the first error line (which is not handed over: the caller reports it).
 */
export async function consumeJSONMessages(
  stream: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  onMessage: (m: JSONMessage) => void = () => {},
): Promise<JSONMessage[]> {
  const all: JSONMessage[] = [];
  for await (const m of readJSONMessages(stream)) {
    const err = messageError(m);
    if (err) throw err;
    all.push(m);
    onMessage(m);
  }
  return all;
}
