import type { BigIntStats } from 'node:fs';

/**
 * What `HEAD|GET /containers/{id}/archive` report in the `X-Docker-Container-Path-Stat` header
 * (Docker's ContainerPathStat). The 1.41 swagger describes the header only in prose.
 */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go's os.FileMode: permission bits plus Go's type and special bits. */
  mode: number;
  /** RFC 3339 with nanoseconds (Go's time.Time JSON), UTC. */
  mtime: string;
  /** For a symlink: its target fully resolved inside the container, as an absolute path. */
  linkTarget: string;
}

/** Go's os.FileMode bits (io/fs). */
export const GoMode = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

/** Go's os.FileMode of an lstat result (os.fillFileStatFromSys). */
export function goFileMode(st: BigIntStats): number {
  const raw = Number(st.mode);
  let m = raw & 0o777;
  if (st.isDirectory()) m += GoMode.dir;
  else if (st.isSymbolicLink()) m += GoMode.symlink;
  else if (st.isBlockDevice()) m += GoMode.device;
  else if (st.isCharacterDevice()) m += GoMode.device + GoMode.charDevice;
  else if (st.isFIFO()) m += GoMode.namedPipe;
  else if (st.isSocket()) m += GoMode.socket;
  if (raw & 0o4000) m += GoMode.setuid;
  if (raw & 0o2000) m += GoMode.setgid;
  if (raw & 0o1000) m += GoMode.sticky;
  return m;
}

/** True when a Go FileMode is a directory. */
export function goModeIsDir(mode: number): boolean {
  return mode >= GoMode.dir;
}

/** A time in nanoseconds since the epoch as Go's RFC3339Nano in UTC (trailing zeros trimmed). */
export function goTimeUTC(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = Number(ns - secs * 1_000_000_000n);
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return frac === 0 ? `${base}Z` : `${base}.${String(frac).padStart(9, '0').replace(/0+$/, '')}Z`;
}
