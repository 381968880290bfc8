import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { readCgroupV1, readNetworks, readSystemCpu } from './cgroup-stats.js';
import { type ContainerStatsResponse, statsJSON } from './stats-types.js';
import { cgroupPids } from './top.js';

const ROOT = '/sys/fs/cgroup';
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'];

/** A real cgroup v1 (in the hierarchies stats reads) holding a process that burns some CPU. */
describe('cgroup v1 stats (real cgroups)', () => {
  const cgroup = `/wharf-test-stats-${randomBytes(4).toString('hex')}`;
  let child: ChildProcess;

  before(async () => {
    for (const c of CONTROLLERS) await fs.mkdir(`${ROOT}/${c}${cgroup}`);
    await fs.writeFile(`${ROOT}/memory${cgroup}/memory.limit_in_bytes`, String(64 << 20));
    await fs.writeFile(`${ROOT}/pids${cgroup}/pids.max`, '50');
    // Stopped at once so it is in the cgroup before it runs its loop.
    child = spawn('sh', ['-c', 'kill -STOP $$; i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; exec sleep 60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    for (const c of CONTROLLERS) await fs.writeFile(`${ROOT}/${c}${cgroup}/cgroup.procs`, String(child.pid));
    process.kill(child.pid!, 'SIGCONT');
    // Until the loop is done and sleep runs.
    for (let i = 0; i < 100; i++) {
      const cmd = await fs.readFile(`/proc/${child.pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.startsWith('sleep')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    for (const c of CONTROLLERS) await fs.rmdir(`${ROOT}/${c}${cgroup}`).catch(() => undefined);
  });

  it('reads CPU, memory, pids and blkio as dockerd reports them', async () => {
    const s = await readCgroupV1(cgroup, { memTotal: 1n << 40n });
    assert.ok(s.cpu.cpu_usage.total_usage > 0n, 'the loop used CPU');
    const percpu = s.cpu.cpu_usage.percpu_usage ?? [];
    assert.equal(percpu.reduce((a, b) => a + b, 0n), s.cpu.cpu_usage.total_usage);
    assert.equal(s.cpu.cpu_usage.usage_in_kernelmode % 10_000_000n, 0n, 'ticks of 10 ms');
    assert.ok((s.memory.usage ?? 0n) > 0n);
    assert.equal(s.memory.limit, BigInt(64 << 20));
    assert.equal(Object.keys(s.memory.stats ?? {}).length, 32);
    assert.deepEqual(s.pids, { current: 1n, limit: 50n });
    assert.ok(Array.isArray(s.blkio.io_service_bytes_recursive));
  });

  it('caps an unlimited memory limit at the host memory', async () => {
    await fs.writeFile(`${ROOT}/memory${cgroup}/memory.limit_in_bytes`, '-1');
    const s = await readCgroupV1(cgroup, { memTotal: 1234n });
    assert.equal(s.memory.limit, 1234n);
    assert.equal(s.memory.stats?.hierarchical_memory_limit, 9223372036854771712n);
  });

  it('lists the processes of the cgroup (for docker top)', async () => {
    assert.deepEqual(await cgroupPids(ROOT, cgroup), [child.pid]);
    assert.deepEqual(await cgroupPids(ROOT, '/wharf-test-stats-nosuch'), []);
  });

  it('reads a missing cgroup as empty parts', async () => {
    const s = await readCgroupV1('/wharf-test-stats-nosuch', { memTotal: 1n });
    assert.deepEqual(s.memory, {});
    assert.deepEqual(s.pids, {});
    assert.equal(s.cpu.cpu_usage.total_usage, 0n);
  });

  it("reads the host's CPU time and online CPUs from /proc/stat, and interfaces without lo", async () => {
    const sys = await readSystemCpu();
    assert.ok(sys.systemUsage > 0n);
    assert.equal(sys.onlineCpus, (await fs.readFile('/proc/stat', 'utf8')).split('\n').filter((l) => /^cpu\d+ /.test(l)).length);
    const nets = await readNetworks(process.pid);
    assert.equal(nets.lo, undefined);
  });

  it('writes counters beyond 2^53 exactly', () => {
    const doc = { memory_stats: { stats: { hierarchical_memory_limit: 9223372036854771712n } } } as unknown as ContainerStatsResponse;
    assert.equal(statsJSON(doc), '{"memory_stats":{"stats":{"hierarchical_memory_limit":9223372036854771712}}}\n');
  });
});
