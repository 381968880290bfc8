import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZERO_TIME, type ContainerStateRecord } from '../../../core/containers/container.js';
import { isKind } from '../../../errdefs/index.js';
import { commandOf } from './container-list.js';
import { hostsContent, resolvConfContent } from './etc-files.js';
import { KeyedMutex } from './keyed-mutex.js';
import { ramInBytes } from '../../../lib/go-units.js';
import { shimLogOptions, validateLogConfig } from './log-options.js';
import { randomName } from './names.js';
import { normalizeConfig, normalizeHostConfig } from './normalize-config.js';
import { parseUntil } from './prune-containers.js';
import { RestartManager } from './restart-manager.js';
import { parseSignal } from './signals.js';
import { humanDuration, statusText } from './status-text.js';
import { validateRestartPolicy } from './validate-create.js';

const state = (s: Partial<ContainerStateRecord>): ContainerStateRecord => ({
  status: 'created',
  pid: 0,
  exitCode: 0,
  error: '',
  oomKilled: false,
  startedAt: ZERO_TIME,
  finishedAt: ZERO_TIME,
  shimPid: 0,
  ...s,
});

describe('signals', () => {
  it('parses names, SIG-prefixed names, numbers and RT signals like moby ParseSignal', () => {
    assert.equal(parseSignal('KILL'), 9);
    assert.equal(parseSignal('sigusr1'), 10);
    assert.equal(parseSignal('15'), 15);
    assert.equal(parseSignal('RTMIN+3'), 37);
    for (const bad of ['0', 'NOSUCH', 'SIG', '65']) {
      assert.throws(() => parseSignal(bad), (e: Error) => isKind(e, 'InvalidArgument') && e.message === `Invalid signal: ${bad}`);
    }
  });
});

describe('ps status text', () => {
  it('follows go-units HumanDuration', () => {
    assert.equal(humanDuration(500), 'Less than a second');
    assert.equal(humanDuration(1000), '1 second');
    assert.equal(humanDuration(59_000), '59 seconds');
    assert.equal(humanDuration(60_000), 'About a minute');
    assert.equal(humanDuration(5 * 60_000), '5 minutes');
    assert.equal(humanDuration(60 * 60_000), 'About an hour');
    assert.equal(humanDuration(3 * 3_600_000), '3 hours');
    assert.equal(humanDuration(3 * 86_400_000), '3 days');
  });

  it('prints Created, Up, Paused, Restarting and Exited like docker ps', () => {
    const now = Date.parse('2026-01-01T00:00:10Z');
    assert.equal(statusText(state({}), now), 'Created');
    assert.equal(statusText(state({ status: 'running', startedAt: '2026-01-01T00:00:07.5Z' }), now), 'Up 2 seconds');
    assert.equal(statusText(state({ status: 'paused', startedAt: '2026-01-01T00:00:00Z' }), now), 'Up 10 seconds (Paused)');
    assert.equal(
      statusText(state({ status: 'restarting', exitCode: 1, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:09Z' }), now),
      'Restarting (1) 1 second ago',
    );
    assert.equal(
      statusText(state({ status: 'exited', exitCode: 137, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:10Z' }), now),
      'Exited (137) Less than a second ago',
    );
    // A start that failed leaves StartedAt zero: still "Created", as in Docker.
    assert.equal(statusText(state({ exitCode: 127, error: 'x' }), now), 'Created');
  });

  it('quotes arguments with spaces in the Command column', () => {
    const rec = { path: 'sh', args: ['-c', 'exit 3'] } as Parameters<typeof commandOf>[0];
    assert.equal(commandOf(rec), "sh -c 'exit 3'");
    assert.equal(commandOf({ path: 'true', args: [] } as unknown as Parameters<typeof commandOf>[0]), 'true');
  });
});

describe('etc files', () => {
  it('drops loopback and IPv6 nameservers and falls back to Google DNS as Docker does', () => {
    assert.equal(resolvConfContent('nameserver 10.0.0.2\nsearch example.org\n', {}), 'nameserver 10.0.0.2\nsearch example.org\n');
    assert.equal(resolvConfContent('nameserver 127.0.0.53\noptions edns0\n', {}), 'options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    assert.equal(resolvConfContent('nameserver ::1\nnameserver fe80::1\n', {}), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    assert.equal(
      resolvConfContent('nameserver 10.0.0.2\nsearch a\n', { Dns: ['1.1.1.1'], DnsSearch: ['b.c'], DnsOptions: ['ndots:2'] }),
      'search b.c\nnameserver 1.1.1.1\noptions ndots:2\n',
    );
    assert.equal(resolvConfContent('nameserver 127.0.0.1\n', { NetworkMode: 'host' }), 'nameserver 127.0.0.1\n');
  });

  it('writes the localhost entries, --add-host lines and the hostname (not with --network none)', async () => {
    const text = await hostsContent({ ExtraHosts: ['db:10.1.2.3'] }, 'abc123');
    assert.equal(text.split('\n')[0], '127.0.0.1\tlocalhost');
    assert.ok(text.endsWith('10.1.2.3\tdb\n127.0.1.1\tabc123\n'), text);
    const none = await hostsContent({ NetworkMode: 'none' }, 'abc123');
    assert.equal(none.split('\n').length, 7, none);
    assert.ok(!none.includes('abc123'));
    await assert.rejects(hostsContent({ ExtraHosts: ['nocolon'] }), /bad format for add-host/);
  });
});

describe('create-time normalisation and validation', () => {
  it("fills dockerd's HostConfig defaults in Go's field order", () => {
    const h = normalizeHostConfig({ Memory: 64 << 20, MemorySwappiness: -1, PidsLimit: 0, LogConfig: { Type: '', Config: {} } } as never, 'crun');
    assert.equal(h.LogConfig?.Type, 'json-file');
    assert.equal(h.Runtime, 'crun');
    assert.equal(h.ShmSize, 64 << 20);
    assert.equal(h.MemorySwap, 128 << 20);
    assert.equal(h.MemorySwappiness, null);
    assert.equal(h.PidsLimit, null);
    assert.equal(h.IpcMode, 'private');
    assert.deepEqual(Object.keys(h).slice(0, 4), ['Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode']);
    assert.equal(h.MaskedPaths?.[0], '/proc/asound');
  });

  it('reports empty config collections as dockerd does', () => {
    const c = normalizeConfig({ Image: 'x', Cmd: ['true'], Env: [], Volumes: {}, Entrypoint: [] });
    assert.equal(c.Env, null);
    assert.equal(c.Volumes, null);
    assert.equal(c.Entrypoint, null);
    assert.deepEqual(c.Labels, {});
    assert.ok(!('ExposedPorts' in c));
  });

  it('validates restart policies with moby messages', () => {
    assert.throws(() => validateRestartPolicy({ RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } }), /cannot be used with restart policy 'always'/);
    assert.throws(() => validateRestartPolicy({ RestartPolicy: { Name: 'sometimes' } as never }), /invalid restart policy 'sometimes'/);
    assert.throws(() => validateRestartPolicy({ AutoRemove: true, RestartPolicy: { Name: 'always' } }), /AutoRemove/);
    validateRestartPolicy({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
  });

  it('reads json-file log options', () => {
    assert.equal(ramInBytes('10m'), 10 * 1024 * 1024);
    assert.equal(ramInBytes('1.5k'), 1536);
    assert.deepEqual(shimLogOptions({ LogConfig: { Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '3' } } }, '/l'), {
      path: '/l',
      maxSize: 1024,
      maxFiles: 3,
    });
    assert.equal(shimLogOptions({ LogConfig: { Type: 'none', Config: {} } }, '/l'), undefined);
    const at = (Config: Record<string, string>, Type = 'json-file') => ({ LogConfig: { Type, Config } }) as never;
    // At create, dockerd's ValidateLogOpts: names, mode, max-buffer-size, the driver.
    assert.throws(() => validateLogConfig(at({ bogus: '1' })), /unknown log opt 'bogus' for json-file log driver/);
    assert.throws(() => validateLogConfig(at({ mode: 'bogus' })), /logger: logging mode not supported: bogus/);
    assert.throws(() => validateLogConfig(at({ 'max-buffer-size': '4m' })), /max-buffer-size option is only supported with 'mode=non-blocking'/);
    assert.throws(() => validateLogConfig(at({ mode: 'non-blocking', 'max-buffer-size': 'zz' })), /error parsing option max-buffer-size: invalid size: 'zz'/);
    assert.throws(() => validateLogConfig(at({}, 'syslogx')), /error looking up logging plugin syslogx: plugin "syslogx" not found/);
    assert.throws(() => validateLogConfig(at({}, 'local')), /log driver "local" is not available in wharf/);
    assert.deepEqual(validateLogConfig(at({ 'max-size': 'bogus', 'max-file': '3' })), [], 'values are read at start');
    assert.deepEqual(validateLogConfig(at({ mode: 'bogus' }, 'none')), [], 'nothing is checked for none');
    assert.equal(validateLogConfig(at({ mode: 'non-blocking', 'max-buffer-size': '4m', compress: 'true' })).length, 2, 'warned: accepted, not acted on');
    // At start, as dockerd opens the log: 500 failed to initialize logging driver.
    const bad = (Config: Record<string, string>, msg: RegExp) =>
      assert.throws(() => shimLogOptions(at(Config), '/l'), (e: Error) => isKind(e, 'Internal') && msg.test(e.message));
    bad({ 'max-size': 'bogus' }, /^failed to initialize logging driver: invalid size: 'bogus'$/);
    bad({ 'max-size': '-5' }, /invalid size: '-5'/);
    bad({ 'max-size': '1m', 'max-file': 'x' }, /strconv.Atoi: parsing "x": invalid syntax/);
    bad({ 'max-file': '0' }, /max-file cannot be less than 1/);
    bad({ compress: 'maybe' }, /strconv.ParseBool: parsing "maybe": invalid syntax/);
    assert.deepEqual(shimLogOptions(at({ 'max-file': '3' }), '/l'), { path: '/l', maxFiles: 3 }, 'max-file without max-size: never rotates, as dockerd');
  });

  it('makes Docker-style names', () => {
    assert.match(randomName(), /^[a-z]+_[a-z]+$/);
    assert.match(randomName(1), /^[a-z]+_[a-z]+\d$/);
  });

  it('reads prune `until` as a duration, unix time or date', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(parseUntil('1h30m', now), now - 5_400_000);
    assert.equal(parseUntil('1700000000', now), 1_700_000_000_000);
    assert.equal(parseUntil('2026-01-01T00:00:00Z', now), Date.parse('2026-01-01T00:00:00Z'));
    assert.throws(() => parseUntil('yesterday', now), /failed to parse/);
  });
});

describe('restart manager', () => {
  it('backs off 100 ms doubling, resets after a 10 s run, counts on-failure retries', () => {
    const rm = new RestartManager();
    const h = { RestartPolicy: { Name: 'on-failure' as const, MaximumRetryCount: 2 } };
    assert.deepEqual(rm.shouldRestart(h, 1, false, 50), { restart: true, delayMs: 100 });
    assert.deepEqual(rm.shouldRestart(h, 1, false, 50), { restart: true, delayMs: 200 });
    assert.equal(rm.shouldRestart(h, 1, false, 50).restart, false, 'the third failure is not retried');
    const always = new RestartManager();
    const a = { RestartPolicy: { Name: 'always' as const } };
    always.shouldRestart(a, 0, false, 0);
    always.shouldRestart(a, 0, false, 0);
    assert.equal(always.shouldRestart(a, 0, false, 0).delayMs, 400);
    assert.equal(always.shouldRestart(a, 0, false, 11_000).delayMs, 100);
    always.cancel();
    assert.equal(always.shouldRestart(a, 0, false, 0).restart, false);
    const unless = new RestartManager();
    assert.equal(unless.shouldRestart({ RestartPolicy: { Name: 'unless-stopped' } }, 0, true, 0).restart, false);
  });
});

describe('keyed mutex', () => {
  it('runs holders of one key one at a time, other keys in parallel', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const step = (k: string, ms: number) =>
      m.run(k, async () => {
        log.push(`+${k}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`-${k}`);
      });
    await Promise.all([step('a', 30), step('a', 1), step('b', 1)]);
    assert.deepEqual(log, ['+a', '+b', '-b', '-a', '+a', '-a']);
    await assert.rejects(m.run('a', async () => Promise.reject(new Error('x'))), /x/);
    await m.run('a', async () => log.push('after-error'));
    assert.equal(log.at(-1), 'after-error');
  });
});
