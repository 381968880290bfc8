/**
 * Detach keys on the client side of a TTY attach: moby/term's ToBytes syntax (`ctrl-p,ctrl-q`,
 * `a,b`, `DEL`) and a matcher standing in for its escapeProxy over the user's keystrokes.
 */

/** ctrl-p ctrl-q, docker's default. */
export const DEFAULT_DETACH_KEYS: Buffer = Buffer.from([0x10, 0x11]);

const CTRL_NAMES = [
  'ctrl-@',
  ...Array.from({ length: 26 }, (_, i) => `ctrl-${String.fromCharCode(0x61 + i)}`),
  'ctrl-[',
  'ctrl-\\',
  'ctrl-]',
  'ctrl-^',
  'ctrl-_',
];

/** term.ToBytes: throws `Unknown character: 'x'` for a name it does not know. */
export function detachKeysToBytes(keys: string): Buffer {
  const codes: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) codes.push(key.charCodeAt(0));
    else if (CTRL_NAMES.includes(key)) codes.push(CTRL_NAMES.indexOf(key));
    else if (key === 'DEL') codes.push(127);
    else throw new Error(`Unknown character: '${key}'`);
  }
  return Buffer.from(codes);
}

/** The keys to watch for: the given ones, or the default when none or invalid ones are given (as docker does). */
export function effectiveDetachKeys(keys: string | undefined, warn: (msg: string) => void): Buffer {
  if (!keys) return DEFAULT_DETACH_KEYS;
  try {
    return detachKeysToBytes(keys);
  } catch (e) {
    warn(`invalid detach escape keys, using default: ${(e as Error).message}`);
    return DEFAULT_DETACH_KEYS;
  }
}

/**
 * Watches typed input for the detach sequence. Bytes that may start the sequence are held back
 * until it completes (then they are swallowed and the caller detaches) or breaks (then they are
 * sent after all), so a lone ctrl-p still reaches the container when the next key is not ctrl-q.
 * moby's escapeProxy only matches keys arriving one per read; this matches across any chunking.
 */
export class DetachKeyMatcher {
  private held = 0;

  constructor(private readonly keys: Buffer) {}

  /** What to send of `chunk`, and whether the sequence completed (input after it is dropped). */
  push(chunk: Buffer): { forward: Buffer; detached: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.held]) {
        this.held++;
        if (this.held === this.keys.length) return { forward: Buffer.from(out), detached: true };
        continue;
      }
      // The sequence broke: release what was held, then look at this byte afresh.
      out.push(...this.keys.subarray(0, this.held));
      this.held = 0;
      if (byte === this.keys[0]) this.held = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}
