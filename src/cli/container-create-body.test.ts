/**
 * `wharf create`/`wharf run` send the very request the docker CLI sends: both CLIs go through a
 * recording proxy to one real dockerd and the `POST /containers/create` bodies are compared byte
 * for byte (Env as a set: docker emits `-e` values in Go's random map order), then flag errors
 * are compared as printed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRealDockerd } from '../../test/helpers/real-dockerd.js';
import { type Harness, startHarness } from './testkit/docker-harness.js';
import { type RecordingProxy, startRecordingProxy } from './testkit/recording-proxy.js';

/** The create body with Env sorted, re-serialized in its own key order. */
function canonicalBody(body: Buffer): string {
  const v = JSON.parse(body.toString('utf8')) as { Env?: string[] | null };
  if (Array.isArray(v.Env)) v.Env = [...v.Env].sort();
  return JSON.stringify(v, null, 1);
}

describe('create request bodies: wharf vs docker', { timeout: 300000 }, () => {
  let h: Harness;
  let proxy: RecordingProxy;
  let dir: string;

  before(async () => {
    h = await startHarness(startRealDockerd);
    proxy = await startRecordingProxy(h.d.socketPath);
    dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-create-'));
    await writeFile(path.join(dir, 'env'), '# comment\n\nFROM_FILE=1\n  SPACED=a b \nBARE\n');
    await writeFile(path.join(dir, 'labels'), 'lf=1\nlbare\n');
  });

  after(async () => {
    await proxy?.close();
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Sends `create ARGS` with both CLIs and returns the two create requests (and removes what was made). */
  async function bodies(args: string[], cmd = 'create') {
    const created: string[] = [];
    const send = async (tool: 'docker' | 'wharf') => {
      proxy.clear();
      const env = { BARE: 'from-env' };
      const r = tool === 'docker' ? await h.docker([cmd, ...args], { host: proxy.host, env }) : await h.wharf([cmd, ...args], { host: proxy.host, env });
      const req = proxy.requests().find((x) => x.method === 'POST' && x.url.includes('/containers/create'));
      assert.ok(req, `${tool} ${cmd} sent no create request: ${r.stderr}`);
      const id = /^[0-9a-f]{64}$/m.exec(r.stdout)?.[0];
      if (id) created.push(id);
      return { r, req };
    };
    const docker = await send('docker');
    const wharf = await send('wharf');
    for (const id of created) await h.docker(['rm', '-f', id]);
    assert.equal(wharf.req.url, docker.req.url);
    assert.equal(wharf.r.code, docker.r.code, `exit status: ${wharf.r.stderr} vs ${docker.r.stderr}`);
    return { docker: docker.req.body, wharf: wharf.req.body };
  }

  const cases: Array<[string, string[]]> = [
    ['no flags', ['busybox']],
    ['command, env and process flags', ['-e', 'A=1', '-e', 'B', '-e', 'A=2', '-e', 'BARE', '-w', '/tmp', '-u', '1000:1000', '--hostname', 'hh', '--domainname', 'dd', '--entrypoint', 'sh', 'busybox', '-c', 'echo hi']],
    ['tty, stdin, init, labels, stop settings', ['-it', '--rm', '--init', '--restart', 'no', '-l', 'x=y', '-l', 'a', '--stop-signal', 'SIGINT', '--stop-timeout', '5', 'busybox', 'sh']],
    ['resources', ['-m', '512m', '--memory-swap', '1g', '--memory-reservation', '100m', '--cpus', '1.5', '-c', '512', '--cpuset-cpus', '0', '--pids-limit', '100', '--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=50', '--ulimit', 'nofile=512', '--shm-size', '64m', '--oom-score-adj', '10', '--memory-swappiness', '10', '--cpu-period', '100000', '--cpu-quota', '50000', 'busybox']],
    ['security', ['--cap-add', 'net_admin', '--cap-add', 'SYS_TIME', '--cap-drop', 'MKNOD', '--cap-drop', 'sys_time', '--cap-add', 'net_admin', '--privileged', '--security-opt', 'no-new-privileges', '--security-opt', 'seccomp=unconfined', '--read-only', '--tmpfs', '/run:rw,size=1m', '--tmpfs', '/x', 'busybox']],
    ['ports and dns', ['--network', 'none', '-p', '8080:80', '-p', '127.0.0.1::53/udp', '-p', '9000-9001:9000-9001', '-p', 'published=81,target=82,protocol=udp', '-P', '--expose', '7000-7001', '--add-host', 'a:1.2.3.4', '--add-host', 'b=[::1]', '--dns', '8.8.8.8', '--dns-search', 'example.com', '--dns-option', 'ndots:2', 'busybox']],
    ['volumes and mounts', ['-v', '/tmp:/host:ro', '-v', '/data', '--mount', 'type=tmpfs,dst=/t2,tmpfs-size=1m,tmpfs-mode=1777', '--mount', 'type=volume,target=/v,volume-nocopy,volume-label=a=b', '--mount', 'type=bind,src=/tmp,dst=/b,ro,bind-propagation=rshared', 'busybox']],
    ['logging, restart, health, namespaces', ['--restart', 'on-failure:3', '--log-driver', 'json-file', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=2', '--pull', 'never', '--network', 'host', '--health-cmd', 'true', '--health-interval', '5s', '--health-retries', '3', '--group-add', '10', '--ipc', 'host', '--pid', 'host', '--uts', 'host', 'busybox']],
    ['attach streams, empty entrypoint, boolean forms', ['-a', 'stdout', '-a', 'STDERR', '--entrypoint=', '--no-healthcheck', '--init=false', '--read-only=true', '--privileged=false', 'busybox', 'true']],
  ];

  for (const [name, args] of cases) {
    it(`sends docker's body: ${name}`, async () => {
      const b = await bodies(args);
      assert.equal(canonicalBody(b.wharf), canonicalBody(b.docker));
    });
  }

  it('reads env and label files as docker does', async () => {
    const b = await bodies(['--env-file', path.join(dir, 'env'), '-e', 'LAST=1', '--label-file', path.join(dir, 'labels'), '-l', 'x=1', 'busybox']);
    assert.equal(canonicalBody(b.wharf), canonicalBody(b.docker));
  });

  it('sends the run body with -d (nothing attached) as docker does', async () => {
    const b = await bodies(['-d', '--network', 'none', 'busybox', 'true'], 'run');
    assert.equal(canonicalBody(b.wharf), canonicalBody(b.docker));
    assert.equal(b.wharf.toString(), b.docker.toString(), 'byte for byte without -e');
  });

  it('rejects bad flag values with docker words and status', async () => {
    const bad: string[][] = [
      ['-m', 'x'],
      ['-m', '1q'],
      ['-m', '1.2.3'],
      ['--memory-swap', 'y'],
      ['--cpus', 'abc'],
      ['--cpus', '1e-10'],
      ['--ulimit', 'nofile=x'],
      ['--ulimit', 'foo=1'],
      ['--ulimit', 'nofile=2:1'],
      ['-e', '=x'],
      ['-l', '=x'],
      ['-l', 'a b=c'],
      ['--add-host', 'foo'],
      ['--add-host', 'a:1.2.3'],
      ['--dns', 'x'],
      ['-a', 'foo'],
      ['--stop-timeout', 'x'],
      ['--pids-limit', 'x'],
      ['--mount', 'type=foo'],
      ['--mount', 'foo'],
      ['--no-such'],
      ['-p', '99999:80'],
      ['-p', 'abc'],
      ['--pull', 'sometimes'],
      ['--restart', 'always', '--rm'],
      ['--security-opt', 'foo'],
      ['--log-driver', 'none', '--log-opt', 'a=b'],
      ['--env-file', '/nonexistent'],
      ['--health-interval', 'x'],
    ];
    for (const flags of bad) {
      await h.same(['create', ...flags, 'busybox']);
      await h.same(['run', ...flags, 'busybox']);
    }
    await h.same(['run']);
    await h.same(['create']);
    await h.same(['run', '-d', '-a', 'stdout', 'busybox']);
  });
});
