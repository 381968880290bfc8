import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerRecord, HealthRecord } from '../../../core/containers/container.js';
import { goDuration } from '../observe/health-monitor.js';
import { applyProbeResult, probeOf, startingHealth } from './health-state.js';

const rec = (Healthcheck: unknown, Shell?: string[], health?: HealthRecord) =>
  ({ config: { Healthcheck, ...(Shell ? { Shell } : {}) }, state: { health, startedAt: '2026-01-01T00:00:00Z' } }) as unknown as ContainerRecord;
const at = (sec: number, exitCode: number) => ({ start: new Date(Date.parse('2026-01-01T00:00:00Z') + sec * 1000).toISOString(), end: '', exitCode, output: '' });

describe('healthchecks (dockerd daemon/health.go)', () => {
  it('finds the probe: CMD as given, CMD-SHELL through the shell, dockerd defaults; none for NONE or nothing', () => {
    assert.deepEqual(probeOf(rec({ Test: ['CMD', 'true'] })), { cmd: ['true'], intervalMs: 30000, timeoutMs: 30000, startPeriodMs: 0, retries: 3 });
    assert.deepEqual(probeOf(rec({ Test: ['CMD-SHELL', 'exit 1'], Interval: 1e9, Timeout: 5e8, StartPeriod: 2e9, Retries: 1 }))?.cmd, ['/bin/sh', '-c', 'exit 1']);
    assert.deepEqual(probeOf(rec({ Test: ['CMD-SHELL', 'x'] }, ['/bin/bash', '-eo'], undefined))?.cmd, ['/bin/bash', '-eo', 'x']);
    assert.equal(probeOf(rec({ Test: ['NONE'] })), undefined);
    assert.equal(probeOf(rec(undefined)), undefined);
    assert.equal(startingHealth(rec({ Test: ['NONE'] })), undefined);
    const old: HealthRecord = { status: 'unhealthy', failingStreak: 4, log: [at(1, 1)] };
    assert.deepEqual(startingHealth(rec({ Test: ['CMD', 'true'] }, undefined, old)), { status: 'starting', failingStreak: 0, log: old.log }, 'a restart keeps the log');
  });

  it('moves the status: failures within the start period do not count, `retries` in a row make it unhealthy, a success resets', () => {
    const probe = { cmd: ['x'], intervalMs: 1000, timeoutMs: 1000, startPeriodMs: 5000, retries: 2 };
    const h: HealthRecord = { status: 'starting', failingStreak: 0, log: [] };
    const start = '2026-01-01T00:00:00Z';
    assert.equal(applyProbeResult(h, at(1, 1), probe, start), false);
    assert.equal(h.failingStreak, 0, 'within the start period');
    assert.equal(applyProbeResult(h, at(6, 1), probe, start), false);
    assert.equal(applyProbeResult(h, at(7, 2), probe, start), true);
    assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 2]);
    assert.equal(applyProbeResult(h, at(8, 0), probe, start), true);
    assert.deepEqual([h.status, h.failingStreak], ['healthy', 0]);
    assert.equal(applyProbeResult(h, at(9, 1), probe, start), false, 'healthy stays healthy on one failure');
    for (let i = 10; i < 16; i++) applyProbeResult(h, at(i, 0), probe, start);
    assert.equal(h.log.length, 5, 'the last five results');
    assert.equal(h.log[4]?.start, at(15, 0).start);
  });

  it("words durations as Go's time.Duration", () => {
    assert.deepEqual([500, 1000, 1500, 30000, 90000, 7200000].map(goDuration), ['500ms', '1s', '1.5s', '30s', '1m30s', '2h0m0s']);
  });
});
