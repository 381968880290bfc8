/**
 * Detach keys on the client side of a TTY attach: the syntax and the matcher are the daemon's
 * (src/lib/detach-keys.ts); what the CLI adds is docker's fallback for invalid keys.
 */
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../lib/detach-keys.js';

/** The keys to watch for: the given ones, or the default when none or invalid ones are given (as docker does). */
export function effectiveDetachKeys(keys: string | undefined, warn: (msg: string) => void): Buffer {
  if (!keys) return DEFAULT_DETACH_KEYS;
  try {
    return parseDetachKeys(keys);
  } catch (e) {
    warn(`invalid detach escape keys, using default: ${(e as Error).message}`);
    return DEFAULT_DETACH_KEYS;
  }
}
