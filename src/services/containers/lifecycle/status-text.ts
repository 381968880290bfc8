import type { ContainerStateRecord } from '../../../core/containers/container.js';
import { ZERO_TIME } from '../../../core/containers/container.js';

/** go-units HumanDuration: how docker prints ages ("Less than a second", "3 seconds", "About a minute"…). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** Milliseconds since an RFC 3339 time (nanoseconds are dropped). */
function since(time: string, now: number): number {
  return Math.max(0, now - Date.parse(time));
}

/**
 * The `Status` column of `docker ps` (moby container.State.String): `Up 3 seconds`,
 * `Up 2 minutes (healthy)`, `Up 2 minutes (Paused)`, `Restarting (1) 1 second ago`, `Exited (0) 5 seconds ago`, `Created`.
 */
export function statusText(s: ContainerStateRecord, now = Date.now()): string {
  switch (s.status) {
    case 'running':
      if (s.health) return `Up ${humanDuration(since(s.startedAt, now))} (${s.health.status === 'starting' ? 'health: starting' : s.health.status})`;
      return `Up ${humanDuration(since(s.startedAt, now))}`;
    case 'paused':
      return `Up ${humanDuration(since(s.startedAt, now))} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${humanDuration(since(s.finishedAt, now))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      if (s.startedAt === ZERO_TIME) return 'Created';
      if (s.finishedAt === ZERO_TIME) return '';
      return `Exited (${s.exitCode}) ${humanDuration(since(s.finishedAt, now))} ago`;
  }
}

/** Whether Docker counts the container as running (Running is true while paused or restarting). */
export function isRunning(s: ContainerStateRecord): boolean {
  return s.status === 'running' || s.status === 'paused' || s.status === 'restarting';
}

/** RFC 3339 with nanoseconds, as Go prints time.Time in JSON (`2026-11-22T12:16:27.060960037Z`). */
export function nowRfc3339Nano(): string {
  const ms = Date.now();
  const ns = process.hrtime.bigint() % 1_000_000n;
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = `${String(ms % 1000).padStart(3, '0')}${String(ns).padStart(6, '0')}`.replace(/0+$/, '');
  return frac ? `${base}.${frac}Z` : `${base}Z`;
}
