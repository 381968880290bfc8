/**
 * Engine API versions. We serve the 1.41 wire (what shared/specs transcripts record and what
 * Debian's dockerd speaks); the CLI 28 negotiates down to it. Differences between versions are
 * handled in src/server/version-adapter.ts only, never inline in handlers.
 */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';

/** Compares dotted API versions numerically: -1, 0 or 1. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function versionAtLeast(v: string, min: string): boolean {
  return compareApiVersions(v, min) >= 0;
}
