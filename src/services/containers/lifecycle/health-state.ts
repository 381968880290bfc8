/**
 * Healthchecks as dockerd runs them (daemon/health.go): which probe a container has, its
 * timings, and how a probe's result moves its Health state. The probes themselves are run by
 * observe/health-monitor.ts.
 */
import type { ContainerRecord, HealthcheckResultRecord, HealthRecord } from '../../../core/containers/container.js';
import type { LifecycleContext } from './lifecycle-context.js';

/** dockerd's defaults (nanoseconds in the config; 0 = default). */
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 3;
/** Results kept in State.Health.Log. */
const MAX_LOG_ENTRIES = 5;
/** Bytes of a probe's output kept (stdout and stderr together). */
export const MAX_PROBE_OUTPUT = 4096;

export interface Probe {
  /** The process to exec: `CMD` as given, `CMD-SHELL` through the container's shell. */
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

const ms = (ns: number | undefined, dflt: number) => (ns && ns > 0 ? ns / 1e6 : dflt);

/** The container's probe; undefined without a healthcheck, for `NONE` and for an unknown type. */
export function probeOf(rec: ContainerRecord): Probe | undefined {
  const hc = rec.config.Healthcheck;
  const test = hc?.Test ?? [];
  let cmd: string[];
  if (test[0] === 'CMD') cmd = test.slice(1);
  else if (test[0] === 'CMD-SHELL') cmd = [...(rec.config.Shell?.length ? rec.config.Shell : ['/bin/sh', '-c']), ...test.slice(1)];
  else return undefined;
  if (cmd.length === 0) return undefined;
  return {
    cmd,
    intervalMs: ms(hc?.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(hc?.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: ms(hc?.StartPeriod, 0),
    retries: hc?.Retries && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES,
  };
}

/** The Health a run starts with: `starting`, the streak reset, the log of earlier runs kept. */
export function startingHealth(rec: ContainerRecord): HealthRecord | undefined {
  if (!probeOf(rec)) return rec.state.health;
  return { status: 'starting', failingStreak: 0, log: rec.state.health?.log ?? [] };
}

/**
 * The Health left when a run's probes stop (it dies or is paused): `unhealthy`, as dockerd's
 * CloseMonitorChannel sets it "for compatibility reasons", without an event; the streak and log
 * stay. Unchanged for a container without a probe.
 */
export function stoppedHealth(rec: ContainerRecord): HealthRecord | undefined {
  const h = rec.state.health;
  return h && probeOf(rec) ? { ...h, status: 'unhealthy' } : h;
}

/**
 * moby handleProbeResult: the result logged (last five), 0 makes the container healthy, any other
 * code adds to the failing streak — except while it is still `starting` within its start period —
 * and `retries` failures in a row make it unhealthy. Returns whether the status changed.
 */
export function applyProbeResult(h: HealthRecord, r: HealthcheckResultRecord, probe: Probe, startedAt: string): boolean {
  const before = h.status;
  h.log = [...h.log, r].slice(-MAX_LOG_ENTRIES);
  if (r.exitCode === 0) {
    h.failingStreak = 0;
    h.status = 'healthy';
  } else if (!(h.status === 'starting' && Date.parse(r.start) - Date.parse(startedAt) < probe.startPeriodMs)) {
    h.failingStreak++;
    if (h.failingStreak >= probe.retries) h.status = 'unhealthy';
  }
  return h.status !== before;
}

/**
 * Records a probe's result (caller holds the container's lock): ignored when the run it was made
 * for is over, paused or replaced (dockerd drops a result whose monitor was stopped meanwhile);
 * saved, and `health_status: X` published when the status changed.
 */
export async function recordProbeResult(ctx: LifecycleContext, rec: ContainerRecord, run: string, r: HealthcheckResultRecord): Promise<void> {
  const probe = probeOf(rec);
  const h = rec.state.health;
  if (!probe || !h || rec.state.status !== 'running' || rec.state.startedAt !== run) return;
  const changed = applyProbeResult(h, r, probe, rec.state.startedAt);
  await ctx.store.save(rec);
  if (changed) ctx.event(rec, `health_status: ${h.status}`);
}

/** inspect's State.Health (moby Health JSON). */
export function healthView(h: HealthRecord): Record<string, unknown> {
  return {
    Status: h.status,
    FailingStreak: h.failingStreak,
    Log: h.log.map((r) => ({ Start: r.start, End: r.end, ExitCode: r.exitCode, Output: r.output })),
  };
}
