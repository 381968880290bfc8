/**
 * Detach keys (`--detach-keys`, `detachKeys=`): Docker's syntax (moby pkg/term ToBytes) and the
 * matcher that watches a tty's typed input for the sequence (moby's escapeProxy). One copy for
 * both ends: the daemon watches an attach's stdin, the CLI the user's keystrokes.
 */

/** ctrl-p ctrl-q, Docker's default. */
export const DEFAULT_DETACH_KEYS: Buffer = Buffer.from([0x10, 0x11]);

/** Names of the control characters 0..31 as Docker spells them (`ctrl-@` … `ctrl-_`). */
const CTRL_NAMES = [
  'ctrl-@',
  ...Array.from({ length: 26 }, (_, i) => `ctrl-${String.fromCharCode(0x61 + i)}`),
  'ctrl-[',
  'ctrl-\\',
  'ctrl-]',
  'ctrl-^',
  'ctrl-_',
];

/**
 * Parses `ctrl-p,ctrl-q`, `a,b`, `DEL`: comma-separated single characters or control names.
 * Throws `Unknown character: 'x'` (the daemon words it as Docker does for attach or exec).
 */
export function parseDetachKeys(spec: string): Buffer {
  const codes: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length === 1) {
      codes.push(key.charCodeAt(0));
      continue;
    }
    const ctrl = CTRL_NAMES.indexOf(key);
    if (ctrl >= 0) codes.push(ctrl);
    else if (key === 'DEL') codes.push(127);
    else throw new Error(`Unknown character: '${key}'`);
  }
  return Buffer.from(codes);
}

/**
 * Watches stdin for the detach sequence. Bytes that might begin the sequence are held back
 * until it is complete (then they are swallowed and `detached` is set) or broken (then they are
 * forwarded after all), so a lone ctrl-p still reaches the container once the next key is typed.
 * Unlike moby's escapeProxy, which only recognises keys arriving in reads of one byte, this
 * matches across any chunking; the sequence inside a larger paste detaches too.
 */
export class DetachMatcher {
  private held = 0;

  constructor(private readonly keys: Buffer) {}

  /** What to forward of `chunk`, and whether the sequence completed (the rest is dropped). */
  push(chunk: Buffer): { forward: Buffer; detached: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.held]) {
        this.held++;
        if (this.held === this.keys.length) return { forward: Buffer.from(out), detached: true };
        continue;
      }
      // A broken prefix: release it, then look at this byte afresh (it may start a sequence).
      for (let i = 0; i < this.held; i++) out.push(this.keys[i]!);
      this.held = 0;
      if (byte === this.keys[0]) {
        this.held = 1;
        if (this.keys.length === 1) return { forward: Buffer.from(out), detached: true };
      } else out.push(byte);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}
