/**
 * inspect and ps compared field by field with a private real dockerd (20.10) for the same
 * `docker create` / `docker run` lines: same keys in the same order, same values wherever the
 * value does not depend on the engine (ids, times, host paths, pids) or on networking (the
 * oracle runs without a bridge; networking is its own issue).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import type { TestDaemon } from '../helpers/wharfd.js';
import { busyboxArchive, cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

type Json = Record<string, unknown>;

interface Engine {
  docker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function inspectBoth(engines: Engine[], args: string[], name: string): Promise<Json[]> {
  const out: Json[] = [];
  for (const e of engines) {
    const r = await e.docker([...args.slice(0, 1), '--name', name, ...args.slice(1)]);
    assert.equal(r.code, 0, r.stderr);
    const i = await e.docker(['inspect', name]);
    assert.equal(i.code, 0, i.stderr);
    out.push((JSON.parse(i.stdout) as Json[])[0]!);
  }
  return out;
}

const keys = (o: unknown) => Object.keys(o as Json);
const pick = (o: Json, ks: string[]) => Object.fromEntries(ks.map((k) => [k, o[k]]));

function compare(ours: Json, real: Json): void {
  assert.deepEqual(keys(ours), keys(real), 'top-level fields and their order');
  const same = ['Path', 'Args', 'Image', 'Name', 'RestartCount', 'Driver', 'Platform', 'MountLabel', 'ProcessLabel', 'AppArmorProfile', 'ExecIDs', 'Mounts'];
  assert.deepEqual(pick(ours, same), pick(real, same));
  const st = ['Status', 'Running', 'Paused', 'Restarting', 'OOMKilled', 'Dead', 'ExitCode', 'Error'];
  assert.deepEqual(keys(ours.State), keys(real.State));
  assert.deepEqual(pick(ours.State as Json, st), pick(real.State as Json, st));
  assert.deepEqual(ours.HostConfig, real.HostConfig, 'HostConfig');
  const oc = { ...(ours.Config as Json) };
  const rc = { ...(real.Config as Json) };
  // The oracle runs with --bridge none, which makes dockerd set NetworkDisabled.
  delete rc.NetworkDisabled;
  if (oc.Hostname === (ours.Id as string).slice(0, 12)) oc.Hostname = (real.Id as string).slice(0, 12);
  assert.deepEqual(oc, rc, 'Config');
  assert.deepEqual(keys(ours.Config), keys(rc), 'Config field order');
  const og = ours.GraphDriver as { Name: string; Data: Json };
  const rg = real.GraphDriver as { Name: string; Data: Json };
  assert.equal(og.Name, rg.Name);
  assert.deepEqual(keys(og.Data), keys(rg.Data));
  assert.deepEqual(keys(ours.NetworkSettings), keys(real.NetworkSettings), 'NetworkSettings fields');
  assert.deepEqual(keys((ours.NetworkSettings as Json).Networks), keys((real.NetworkSettings as Json).Networks));
  for (const p of ['ResolvConfPath', 'HostnamePath', 'HostsPath', 'LogPath']) {
    assert.equal((ours[p] as string) === '', (real[p] as string) === '', `${p} set in both or neither`);
  }
}

describe('inspect and ps against real dockerd', () => {
  let d: TestDaemon;
  let real: RealDockerd;
  before(async () => {
    [d, real] = await Promise.all([startDaemonWithBusybox(), startRealDockerd()]);
    const r = await real.docker(['load', '-i', await busyboxArchive()]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    for (const e of [d, real] as Engine[]) {
      const ids = (await e.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await e.docker(['rm', '-f', ...ids]);
    }
    await Promise.allSettled([d?.destroy(), real?.stop()]);
  });

  it('a created container', async () => {
    const [ours, theirs] = await inspectBoth([d, real], ['create', 'busybox', 'sleep', '100'], 'i-created');
    compare(ours!, theirs!);
  });

  it('a running container with many options', async () => {
    const args = [
      'run',
      '-d',
      '--restart',
      'on-failure:3',
      '-m',
      '64m',
      '--cpus',
      '0.5',
      '-e',
      'A=1',
      '-w',
      '/tmp',
      '-u',
      'nobody',
      '--label',
      'a=b',
      '--stop-signal',
      'USR1',
      '--stop-timeout',
      '3',
      '--hostname',
      'h1',
      '--init',
      '--network',
      'none',
      'busybox',
      'sleep',
      '100',
    ];
    const [ours, theirs] = await inspectBoth([d, real], args, 'i-running');
    compare(ours!, theirs!);
  });

  it("log options: dockerd's checks at create, its reads at start (the container stays), the same messages", async () => {
    const lines: Array<[string, string[]]> = [
      ['l-size', ['--log-opt', 'max-size=bogus']],
      ['l-file', ['--log-opt', 'max-size=1m', '--log-opt', 'max-file=x']],
      ['l-zero', ['--log-opt', 'max-file=0']],
      ['l-nosize', ['--log-opt', 'max-file=3']],
      ['l-compress', ['--log-opt', 'max-size=1m', '--log-opt', 'compress=maybe']],
      ['l-mode', ['--log-opt', 'mode=bogus']],
      ['l-buffer', ['--log-opt', 'max-buffer-size=4m']],
      ['l-driver', ['--log-driver', 'syslogx']],
    ];
    for (const [name, opts] of lines) {
      const [ours, theirs] = await Promise.all(
        [d, real].map(async (e: Engine) => {
          const created = await e.docker(['create', '--name', name, ...opts, 'busybox', 'true']);
          const started = created.code === 0 ? await e.docker(['start', name]) : undefined;
          const state = created.code === 0 ? (await e.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', name])).stdout.trim() : '';
          return { created: [created.code, created.stderr.trim()], started: started && [started.code, started.stderr.trim()], state };
        }),
      );
      assert.deepEqual(ours, theirs, `${name}: ${opts.join(' ')}`);
    }
  });

  it("update: dockerd's checks, merge and messages; the cgroups of a running container follow, a stopped one's at its next start", async () => {
    const norm = (s: string) => s.replace(/[0-9a-f]{64}/g, 'ID').replace(/\/(docker|wharf)\/ID\//g, '/PARENT/ID/');
    const steps: string[][] = [
      ['run', '-d', '--name', 'up-run', '--network', 'none', 'busybox', 'sleep', '600'],
      ['create', '--name', 'up-created', '--network', 'none', 'busybox', 'sleep', '600'],
      ['run', '-d', '--rm', '--name', 'up-rm', '--network', 'none', 'busybox', 'sleep', '600'],
      ['update', '--memory', '64m', 'up-run'],
      ['update', '--memory', '64m', '--memory-swap', '128m', 'up-run'],
      ['exec', 'up-run', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'],
      ['update', '--cpus', '0.5', '--pids-limit', '50', '--cpu-shares', '512', '--cpuset-cpus', '0', 'up-run'],
      ['exec', 'up-run', 'cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu/cpu.shares', '/sys/fs/cgroup/pids/pids.max', '/sys/fs/cgroup/cpuset/cpuset.cpus'],
      ['update', '--cpu-quota', '20000', 'up-run'],
      ['update', '--memory-swap', '5m', 'up-run'],
      ['update', '--memory', '1k', 'up-run'],
      ['update', '--cpus', '100', 'up-run'],
      ['update', '--pids-limit', '-1', '--kernel-memory', '10m', '--blkio-weight', '500', 'up-run'],
      ['exec', 'up-run', 'cat', '/sys/fs/cgroup/pids/pids.max'],
      ['pause', 'up-run'],
      ['update', '--cpu-shares', '256', 'up-run'],
      ['unpause', 'up-run'],
      ['exec', 'up-run', 'cat', '/sys/fs/cgroup/cpu/cpu.shares'],
      ['update', '--restart', 'always', 'up-rm'],
      ['update', '--restart', 'bogus', 'up-created'],
      ['update', '--restart', 'on-failure:2', '--memory', '32m', '--memory-swap', '64m', 'up-created'],
      ['start', 'up-created'],
      ['exec', 'up-created', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'],
      ['update', '--memory', '32m', 'no-such-ctr'],
      ['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.KernelMemory}} {{.HostConfig.BlkioWeight}}', 'up-run'],
      ['inspect', '-f', '{{json .HostConfig.RestartPolicy}} {{.HostConfig.Memory}}', 'up-created'],
      ['rm', '-f', 'up-run', 'up-created', 'up-rm'],
    ];
    for (const args of steps) {
      const [ours, theirs] = await Promise.all(
        [d, real].map(async (e: Engine) => {
          const r = await e.docker(args);
          return `${r.code}\n${norm(r.stdout)}${norm(r.stderr)}`;
        }),
      );
      assert.equal(ours, theirs, `docker ${args.join(' ')}`);
    }
  });

  it("healthchecks: probes as execs, dockerd's statuses, log, ps column and filter, events; kept when stopped, starting again at the next start", async () => {
    const runs: string[][] = [
      ['--name', 'hc-ok', '--health-cmd', 'echo ok >&2', '--health-interval', '1s'],
      ['--name', 'hc-bad', '--health-cmd', 'exit 3', '--health-interval', '1s', '--health-retries', '2'],
      ['--name', 'hc-slow', '--health-cmd', 'sleep 5', '--health-interval', '1s', '--health-timeout', '500ms', '--health-retries', '1'],
      ['--name', 'hc-grace', '--health-cmd', 'false', '--health-interval', '1s', '--health-start-period', '60s'],
      ['--name', 'hc-none', '--no-healthcheck'],
    ];
    const status = (e: Engine, n: string) => e.docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', n]).then((r) => r.stdout.trim());
    const want: Record<string, string> = { 'hc-ok': 'healthy', 'hc-bad': 'unhealthy', 'hc-slow': 'unhealthy', 'hc-grace': 'starting', 'hc-none': '' };
    await Promise.all(
      [d, real].map(async (e: Engine) => {
        for (const args of runs) assert.equal((await e.docker(['run', '-d', ...args, '--network', 'none', 'busybox', 'sleep', '600'])).code, 0);
        // Each settles within a few probes; hc-grace stays `starting` (its failures fall in the start period).
        for (let i = 0; i < 100; i++) {
          const got = await Promise.all(Object.keys(want).map((n) => status(e, n)));
          if (got.every((g, j) => g === Object.values(want)[j])) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      }),
    );
    const both = async (args: string[], norm = (s: string) => s) => {
      const [ours, theirs] = await Promise.all([d, real].map(async (e: Engine) => norm((await e.docker(args)).stdout)));
      assert.equal(ours, theirs, `docker ${args.join(' ')}`);
    };
    const entry = '{{with index .State.Health.Log 0}}{{.ExitCode}} {{json .Output}}{{end}}';
    await both(['inspect', '-f', `{{.State.Health.Status}} ${entry} {{.State.Health.FailingStreak | printf "%d" | len}}`, 'hc-ok']);
    await both(['inspect', '-f', `{{.State.Health.Status}} ${entry}`, 'hc-bad']);
    await both(['inspect', '-f', `{{.State.Health.Status}} ${entry}`, 'hc-slow']);
    await both(['inspect', '-f', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', 'hc-grace']);
    await both(['inspect', '-f', '{{json .State.Health}}', 'hc-none']);
    await both(['ps', '--filter', 'name=hc-', '--format', '{{.Names}} {{.Status}}'], (s) => s.replace(/Up [^(\n]+/g, 'Up T ').split('\n').sort().join('\n'));
    for (const h of ['healthy', 'unhealthy', 'starting', 'none']) await both(['ps', '--filter', 'name=hc-', '--filter', `health=${h}`, '--format', '{{.Names}}'], (s) => s.split('\n').sort().join('\n'));
    // Events: the probe's execs and the status change, in order (from the create up to the change).
    // dockerd 20.10 now and then answers such a query with nothing: asked again then.
    const upToChange = async (e: Engine) => {
      for (let i = 0; ; i++) {
        const a = (await e.docker(['events', '--since', '0', '--until', '0s', '--filter', 'container=hc-bad', '--format', '{{.Action}}'])).stdout.trim().split('\n');
        if (a.includes('health_status: unhealthy') || i === 5) return a.slice(0, a.indexOf('health_status: unhealthy') + 1).join('\n');
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    assert.equal(await upToChange(d), await upToChange(real), 'events of hc-bad');
    // Stopped: the last status stays; started again: starting, the log kept.
    await Promise.all([d, real].map((e: Engine) => e.docker(['stop', '-t', '0', 'hc-ok'])));
    await both(['inspect', '-f', '{{.State.Health.Status}} {{.State.Status}}', 'hc-ok']);
    await Promise.all([d, real].map((e: Engine) => e.docker(['start', 'hc-ok'])));
    await both(['inspect', '-f', '{{.State.Health.Status}} {{gt (len .State.Health.Log) 0}}', 'hc-ok']);
    // An image's HEALTHCHECK fills what the run's own flags leave unset (moby's merge).
    for (const e of [d, real] as Engine[]) {
      assert.equal((await e.docker(['commit', '-c', 'HEALTHCHECK --interval=2s --retries=5 CMD exit 0', 'hc-none', 'hc-img:1'])).code, 0);
      assert.equal((await e.docker(['create', '--name', 'hc-merged', '--health-interval', '1s', 'hc-img:1'])).code, 0);
    }
    await both(['inspect', '-f', '{{json .Config.Healthcheck}}', 'hc-merged']);
    for (const e of [d, real] as Engine[]) {
      await e.docker(['rm', '-f', 'hc-merged', ...Object.keys(want)]);
      await e.docker(['rmi', 'hc-img:1']);
    }
  });

  it('an exited container, and the same ps columns', async () => {
    const [ours, theirs] = await inspectBoth([d, real], ['run', '-d', '--entrypoint', 'sh', 'busybox', '-c', 'exit 3'], 'i-exited');
    for (const e of [d, real] as Engine[]) await e.docker(['wait', 'i-exited']);
    const [o2, t2] = await Promise.all([d, real].map(async (e) => (JSON.parse((await e.docker(['inspect', 'i-exited'])).stdout) as Json[])[0]!));
    compare(o2!, t2!);
    assert.ok(ours && theirs);
    const fmt = '{{.Names}}|{{.Image}}|{{.Command}}|{{.State}}|{{.Labels}}|{{.Networks}}|{{.Mounts}}';
    const [po, pr] = await Promise.all([d, real].map(async (e) => (await e.docker(['ps', '-a', '--format', fmt])).stdout));
    const norm = (s: string) =>
      s
        .split('\n')
        .map((l) => l.replace(/\|(bridge|none)\|/, '|NET|'))
        .sort();
    assert.deepEqual(norm(po!), norm(pr!));
    const [so, sr] = await Promise.all([d, real].map(async (e) => (await e.docker(['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}} {{.Status}}'])).stdout.trim()));
    assert.equal(so!.replace(/\d+ seconds?/g, 'N seconds').replace(/Less than a second/g, 'N seconds'), sr!.replace(/\d+ seconds?/g, 'N seconds').replace(/Less than a second/g, 'N seconds'));
  });
});
