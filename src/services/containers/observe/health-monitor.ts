import type { ContainerRecord, HealthcheckResultRecord } from '../../../core/containers/container.js';
import type { EventBus } from '../../../core/events/events.js';
import type { Logger } from '../../../lib/logger.js';
import { MAX_PROBE_OUTPUT, probeOf } from '../lifecycle/health-state.js';
import { nowRfc3339Nano } from '../lifecycle/status-text.js';
import type { CapturedRun } from '../streams/captured-run.js';

export interface HealthMonitorDeps {
  containers: {
    find(id: string): ContainerRecord | undefined;
    list(): ContainerRecord[];
    /** Records a result for the run that started at `run` (ignored once that run is over). */
    recordHealth(id: string, run: string, r: HealthcheckResultRecord): Promise<void>;
  };
  /** Runs a probe process in the container (ExecService.runCaptured). */
  exec(containerId: string, cmd: string[], o: { timeoutMs: number; maxOutput: number }): Promise<CapturedRun>;
  events: EventBus;
  log: Logger;
}

/** A container being probed: the run it probes, and its pending timer. */
interface Watch {
  run: string;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

/**
 * Runs containers' healthchecks as dockerd's health monitor does: from a container's start (or
 * unpause) until it dies, pauses or is removed, one probe at a time, each `interval` after the
 * previous one ended; a probe that overruns its timeout counts as a failure at once (exit -1,
 * `Health check exceeded timeout (…)`) and the next waits until its process is gone. Driven by
 * the container events, so lifecycle code only sets the Health state a run starts with.
 */
export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();
  private readonly unsubscribe: () => void;

  constructor(private readonly d: HealthMonitorDeps) {
    this.unsubscribe = d.events.subscribe((e) => {
      const id = e.Actor?.ID;
      if (e.Type !== 'container' || !id) return;
      if (e.Action === 'start' || e.Action === 'unpause') this.watch(id);
      else if (e.Action === 'die' || e.Action === 'pause' || e.Action === 'destroy') this.unwatch(id);
    });
  }

  /** Starts probing every running container that has a healthcheck (after a live restore). */
  watchRunning(): void {
    for (const rec of this.d.containers.list()) if (rec.state.status === 'running') this.watch(rec.id);
  }

  /** Stops every probe schedule (daemon shutdown); a probe in flight finishes on its own. */
  close(): void {
    this.unsubscribe();
    for (const id of [...this.watches.keys()]) this.unwatch(id);
  }

  private watch(id: string): void {
    const rec = this.d.containers.find(id);
    if (rec?.state.status !== 'running' || !rec.state.health) return;
    const probe = probeOf(rec);
    if (!probe) return;
    const current = this.watches.get(id);
    if (current && !current.stopped && current.run === rec.state.startedAt) return;
    this.unwatch(id);
    const w: Watch = { run: rec.state.startedAt, stopped: false };
    this.watches.set(id, w);
    this.schedule(id, w, probe.intervalMs);
  }

  private unwatch(id: string): void {
    const w = this.watches.get(id);
    if (!w) return;
    w.stopped = true;
    clearTimeout(w.timer);
    this.watches.delete(id);
  }

  private schedule(id: string, w: Watch, delayMs: number): void {
    w.timer = setTimeout(() => void this.probeOnce(id, w), delayMs);
    w.timer.unref();
  }

  private async probeOnce(id: string, w: Watch): Promise<void> {
    const rec = this.d.containers.find(id);
    const probe = rec && probeOf(rec);
    if (w.stopped || !rec || !probe) return;
    const start = nowRfc3339Nano();
    let result: HealthcheckResultRecord;
    let settled: Promise<void> = Promise.resolve();
    try {
      const r = await this.d.exec(id, probe.cmd, { timeoutMs: probe.timeoutMs, maxOutput: MAX_PROBE_OUTPUT });
      settled = r.settled;
      const output = r.timedOut ? `Health check exceeded timeout (${goDuration(probe.timeoutMs)})` : r.output;
      result = { start, end: nowRfc3339Nano(), exitCode: r.exitCode, output };
    } catch (err) {
      // dockerd logs the probe's own failure (the exec could not run) as the result.
      result = { start, end: nowRfc3339Nano(), exitCode: -1, output: (err as Error).message };
    }
    if (w.stopped) return;
    await this.d.containers.recordHealth(id, w.run, result).catch((err) => this.d.log.warn('recording a health check failed', { id, err }));
    await settled;
    if (!w.stopped) this.schedule(id, w, probe.intervalMs);
  }
}

/** Go's time.Duration.String() for a whole number of milliseconds (`500ms`, `30s`, `1m30s`, `2h0m0s`). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toString();
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
