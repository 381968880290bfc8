import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GO_ZERO_TIME, goContainerConfig, goRFC3339Nano, unixNanos, unixSeconds } from './go-shapes.js';
import { humanSize, progressBar } from './json-progress.js';

describe('Go encodings dockerd uses', () => {
  it('formats times as RFC3339Nano with trailing zeros trimmed', () => {
    assert.equal(goRFC3339Nano('2026-11-22T10:14:58.507620591Z'), '2026-11-22T10:14:58.507620591Z');
    assert.equal(goRFC3339Nano('2024-01-01T00:00:00.120000000Z'), '2024-01-01T00:00:00.12Z');
    assert.equal(goRFC3339Nano('2024-01-01T00:00:00.000Z'), '2024-01-01T00:00:00Z');
    assert.equal(goRFC3339Nano('2024-01-01T02:00:00+02:00'), '2024-01-01T02:00:00+02:00');
    assert.equal(goRFC3339Nano('2024-01-01T00:00:00+00:00'), '2024-01-01T00:00:00Z');
    assert.equal(goRFC3339Nano(undefined), GO_ZERO_TIME);
    assert.equal(unixSeconds('2024-01-01T02:00:00+02:00'), 1704067200);
    assert.ok(unixNanos('2024-01-01T00:00:00.000000002Z') > unixNanos('2024-01-01T00:00:00.000000001Z'));
  });

  it('encodes container.Config in struct order with omitempty fields dropped', () => {
    const zero = goContainerConfig(undefined, true)!;
    assert.deepEqual(Object.keys(zero), ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels']);
    assert.equal(goContainerConfig(null), null);
    const c = goContainerConfig({ ExposedPorts: { '80/tcp': {} }, Labels: { b: '2', a: '1' }, StopSignal: 'SIGINT', Cmd: [] })!;
    assert.deepEqual(Object.keys(c.Labels as object), ['a', 'b']);
    assert.deepEqual(c.Cmd, []);
    assert.equal(Object.keys(c).indexOf('ExposedPorts'), 6);
    assert.equal(c.StopSignal, 'SIGINT');
  });

  it('renders progress exactly as the load transcript shows it', () => {
    assert.equal(progressBar(2048, 2048), '[==================================================>]  2.048kB/2.048kB');
    assert.equal(humanSize(1982386), '1.982MB');
    assert.equal(humanSize(201_300_000), '201.3MB');
    assert.equal(humanSize(999), '999B');
  });
});
