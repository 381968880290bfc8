import path from 'node:path';
import { readJSONIfExists } from '../../lib/atomic-write.js';
import { internal } from '../../errdefs/index.js';
import { ShimFiles } from './shim-paths.js';

/** How the process ended, as the shim recorded it in exit.json. */
export interface ShimExit {
  /** The exit status, or 128 + signal when a signal killed it (as Docker reports). */
  exitCode: number;
  /** The killing signal's number, or null for a normal exit. */
  signal: number | null;
  /** When the shim reaped it, RFC 3339 with nanoseconds (UTC). */
  exitedAt: string;
}

/** Validates a parsed exit record (from exit.json or an exit frame). */
export function toShimExit(value: unknown): ShimExit {
  const v = value as Partial<ShimExit> | null;
  if (!v || typeof v.exitCode !== 'number' || typeof v.exitedAt !== 'string') {
    throw internal(`malformed shim exit record: ${JSON.stringify(value)}`);
  }
  return { exitCode: v.exitCode, signal: typeof v.signal === 'number' ? v.signal : null, exitedAt: v.exitedAt };
}

/**
 * Reads `<stateDir>/exit.json`: undefined while the process has not exited (or the shim died
 * before recording it). The shim writes it atomically, so a present file is complete.
 */
export async function readExit(stateDir: string): Promise<ShimExit | undefined> {
  const raw = await readJSONIfExists<unknown>(path.join(stateDir, ShimFiles.exit));
  return raw === undefined ? undefined : toShimExit(raw);
}
