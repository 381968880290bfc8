/**
 * `docker top` and `docker stats` through the real docker CLI against a private wharfd, plus the
 * raw API documents (stats JSON shape, zeroed stats of a stopped container, error statuses).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { TestDaemon } from '../helpers/wharfd.js';
import { busyboxArchive, cgroupsOf, cleanupFixture, eventually, mountsOf, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A GET over the daemon socket; `lines` stops reading after that many `\n`-terminated lines. */
function get(d: TestDaemon, p: string, lines?: number): Promise<{ status: number; body: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: d.socket, path: p }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
        if (lines !== undefined && body.split('\n').length > lines) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - t0 });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - t0 }));
    });
    req.on('error', reject);
  });
}

describe('container observation: top and stats', () => {
  let d: TestDaemon;
  let id: string;
  before(async () => {
    // Loaded here, not by the fixture: a failed load must still leave `d` for after() to destroy.
    d = await startDaemonWithBusybox({ load: false });
    await ok(d, ['load', '-i', await busyboxArchive()]);
    id = await ok(d, ['run', '-d', '--name', 'obs', '--memory', '64m', '--pids-limit', '40', 'busybox', 'sh', '-c', 'sleep 1000 & sleep 1001 & wait']);
    await ok(d, ['create', '--name', 'obs-created', 'busybox', 'true']);
    // The shell forks its two sleeps right after the start returned.
    await eventually(async () => (await ok(d, ['top', 'obs'])).split('\n').length === 4, 'the container runs its three processes');
  });
  after(async () => {
    if (!d) return;
    try {
      const ids = (await d.docker(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await d.docker(['rm', '-f', ...ids]);
      assert.deepEqual(await mountsOf(d), []);
      assert.deepEqual(await cgroupsOf(ids), []);
    } finally {
      await d.destroy();
    }
  });

  it('top lists the container processes with ps -ef columns by default', async () => {
    const lines = (await ok(d, ['top', 'obs'])).split('\n');
    assert.match(lines[0]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    const cmds = lines.slice(1).map((l) => l.split(/\s{2,}/).at(-1));
    assert.deepEqual(cmds.sort(), ['sh -c sleep 1000 & sleep 1001 & wait', 'sleep 1000', 'sleep 1001']);
  });

  it('top passes ps_args to ps', async () => {
    const lines = (await ok(d, ['top', 'obs', '-o', 'pid,comm'])).split('\n');
    assert.match(lines[0]!, /^PID\s+COMMAND$/);
    assert.equal(lines.length, 4);
  });

  it('top of a container that is not running is a 409 conflict', async () => {
    const r = await get(d, '/v1.41/containers/obs-created/top');
    assert.equal(r.status, 409);
    assert.match(r.body, /^\{"message":"Container [0-9a-f]{64} is not running"\}\n$/);
    const cli = await d.docker(['top', 'obs-created']);
    assert.match(cli.stderr, /is not running/);
  });

  it('stats --no-stream prints the memory usage against the container limit', async () => {
    const out = await ok(d, ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'obs']);
    assert.match(out, /^obs \d+(\.\d+)?[KM]iB \/ 64MiB 3$/);
  });

  it('stats stream=0 samples twice about a second apart, with the shape the CLI reads', async () => {
    const r = await get(d, '/v1.41/containers/obs/stats?stream=0');
    assert.equal(r.status, 200);
    assert.ok(r.ms >= 900, `took ${r.ms} ms`);
    const s = JSON.parse(r.body);
    // `networks` comes last when the container has interfaces of its own besides lo.
    assert.deepEqual(
      Object.keys(s).filter((k) => k !== 'networks'),
      ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id'],
    );
    for (const n of Object.values<Record<string, number>>(s.networks ?? {})) assert.deepEqual(Object.keys(n), ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped']);
    assert.ok(Date.parse(s.read) - Date.parse(s.preread) >= 900);
    assert.deepEqual(s.pids_stats, { current: 3, limit: 40 });
    assert.equal(s.memory_stats.limit, 64 * 1024 * 1024);
    assert.ok(s.memory_stats.usage > 0);
    assert.ok(s.cpu_stats.system_cpu_usage > s.precpu_stats.system_cpu_usage);
    assert.ok(s.cpu_stats.online_cpus >= 1);
    assert.equal(s.name, '/obs');
    assert.equal(s.id, id);
    assert.match(r.body, /"hierarchical_memory_limit":67108864[,}]/);
  });

  it('stats streams one document per second, the first without precpu', async () => {
    const r = await get(d, '/v1.41/containers/obs/stats', 2);
    const [a, b] = r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(a.preread, '0001-01-01T00:00:00Z');
    assert.equal(b.preread, a.read);
    // Two documents need a second's sampling; how long past that it takes depends on the load.
    assert.ok(r.ms >= 900, `took ${r.ms} ms`);
  });

  it('stats of a container that is not running is zeroed at once, as dockerd sends it', async () => {
    const r = await get(d, '/v1.41/containers/obs-created/stats?stream=0');
    assert.equal(r.status, 200);
    const s = JSON.parse(r.body);
    assert.equal(s.read, '0001-01-01T00:00:00Z');
    assert.deepEqual(s.pids_stats, {});
    assert.deepEqual(s.memory_stats, {});
    assert.equal(s.blkio_stats.io_service_bytes_recursive, null);
    assert.equal(s.name, '/obs-created');
    assert.equal((await get(d, '/v1.41/containers/obs/stats?stream=1&one-shot=1')).status, 400);
    assert.equal((await get(d, '/v1.41/containers/nosuch/stats?stream=0')).status, 404);
  });
});
