/**
 * The container lifecycle through the real docker CLI against a private wharfd (runc by
 * default, crun below): create/start/wait, run -d and ps, inspect, stop, kill, restart,
 * pause/unpause, rename, rm, prune, the errors Docker gives, restart policies, OOM kills, and
 * the leak check after removal. Daemon restarts are in containers-lifecycle-restore.test.ts.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { TestDaemon } from '../helpers/wharfd.js';
import { cgroupsOf, cleanupFixture, eventually, mountsOf, shimsOf, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const inspect = (d: TestDaemon, fmt: string, name: string) => ok(d, ['inspect', '-f', fmt, name]);

function api(d: TestDaemon, method: string, p: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { socketPath: d.socket, method, path: p, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Removes every container and asserts nothing of them is left on the host. */
async function removeAllAndCheckLeaks(d: TestDaemon): Promise<void> {
  const ids = (await ok(d, ['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
  if (ids.length) await ok(d, ['rm', '-f', ...ids]);
  assert.equal(await ok(d, ['ps', '-aq']), '');
  assert.deepEqual(await mountsOf(d), [], 'no mounts under the data or exec root');
  assert.deepEqual(await cgroupsOf(ids), [], 'no cgroup dirs of the removed containers');
  await eventually(async () => (await shimsOf(d)).length === 0, 'no shim is left');
  for (const sub of ['s', 'b']) assert.deepEqual(await fs.readdir(`${d.execRoot}/${sub}`).catch(() => []), [], `exec-root/${sub} is empty`);
  assert.deepEqual(await fs.readdir(`${d.execRoot}/runtime/runc`).catch(() => []), [], 'no runc state');
  assert.deepEqual(await fs.readdir(`${d.execRoot}/runtime/crun`).catch(() => []), [], 'no crun state');
}

for (const runtime of ['runc', 'crun'] as const) {
  describe(`container lifecycle (daemon runtime ${runtime})`, () => {
    let d: TestDaemon;
    before(async () => {
      d = await startDaemonWithBusybox({ extraArgs: ['--runtime', runtime] });
    });
    after(async () => {
      if (d) await removeAllAndCheckLeaks(d).finally(() => d.destroy());
    });

    it('create, start and wait give the exit code', async () => {
      const id = await ok(d, ['create', '--name', 'c-exit', 'busybox', 'sh', '-c', 'exit 3']);
      assert.match(id, /^[a-f0-9]{64}$/);
      assert.equal(await inspect(d, '{{.State.Status}} {{.HostConfig.Runtime}}', 'c-exit'), `created ${runtime}`);
      assert.equal(await ok(d, ['start', 'c-exit']), 'c-exit');
      assert.equal(await ok(d, ['wait', 'c-exit']), '3');
      assert.equal(await inspect(d, '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}', 'c-exit'), 'exited 3 false');
      const started = Date.parse(await inspect(d, '{{.State.StartedAt}}', 'c-exit'));
      const finished = Date.parse(await inspect(d, '{{.State.FinishedAt}}', 'c-exit'));
      assert.ok(finished >= started, 'finished after it started');
      assert.match(await ok(d, ['ps', '-a', '--filter', 'name=c-exit', '--format', '{{.Status}}']), /^Exited \(3\) (Less than a second|\d+ seconds?) ago$/);
    });

    it('run -d, then ps and inspect show it running with its pid', async () => {
      const id = await ok(d, ['run', '-d', '--name', 'c-sleep', 'busybox', 'sleep', '100']);
      const ps = (await ok(d, ['ps'])).split('\n');
      assert.match(ps[0]!, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
      const row = ps.find((l) => l.includes('c-sleep'));
      assert.ok(row, ps.join('\n'));
      assert.match(row, new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sleep 100"\\s+(Less than a second|\\d+ seconds?) ago\\s+Up (Less than a second|\\d+ seconds?)\\s+c-sleep$`));
      const [status, pid] = (await inspect(d, '{{.State.Status}} {{.State.Pid}}', 'c-sleep')).split(' ');
      assert.equal(status, 'running');
      assert.match(await fs.readFile(`/proc/${pid}/cmdline`, 'utf8'), /^sleep\x00100\x00$/);
      const q = await ok(d, ['ps', '-q', '--no-trunc', '--filter', 'status=running', '--filter', 'name=^/c-sleep$']);
      assert.equal(q, id);
    });

    it('stop: SIGTERM through --init gives 143; a pid 1 ignoring it is killed after -t (137)', async () => {
      await ok(d, ['run', '-d', '--init', '--name', 'c-term', 'busybox', 'sleep', '100']);
      const t0 = Date.now();
      assert.equal(await ok(d, ['stop', 'c-term']), 'c-term');
      assert.ok(Date.now() - t0 < 5000, 'stopped by SIGTERM, not by the timeout');
      assert.equal(await inspect(d, '{{.State.Status}} {{.State.ExitCode}}', 'c-term'), 'exited 143');
      const t1 = Date.now();
      await ok(d, ['stop', '-t', '1', 'c-sleep']);
      assert.ok(Date.now() - t1 >= 1000, 'waited for the timeout');
      assert.equal(await inspect(d, '{{.State.Status}} {{.State.ExitCode}}', 'c-sleep'), 'exited 137');
      assert.equal((await api(d, 'POST', '/v1.41/containers/c-sleep/stop')).status, 304);
    });

    it('kill -s USR1 reaches the process; unknown signals and stopped containers are refused', async () => {
      await ok(d, ['run', '-d', '--name', 'c-usr1', 'busybox', 'sh', '-c', 'trap "exit 5" USR1; while :; do sleep 0.1; done']);
      await new Promise((r) => setTimeout(r, 300));
      await ok(d, ['kill', '-s', 'USR1', 'c-usr1']);
      assert.equal(await ok(d, ['wait', 'c-usr1']), '5');
      const bad = await d.docker(['kill', '-s', 'NOSUCH', 'c-usr1']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /Invalid signal: NOSUCH/);
      const stopped = await api(d, 'POST', '/v1.41/containers/c-usr1/kill');
      assert.equal(stopped.status, 409);
      // dockerd's kill route wraps what fails: `Cannot kill container: <name as given>: …`.
      assert.match(JSON.parse(stopped.body).message, /^Cannot kill container: c-usr1: Container [a-f0-9]{64} is not running$/);
    });

    it('restart gives a new process; pause and unpause freeze it', async () => {
      await ok(d, ['run', '-d', '--init', '--name', 'c-rp', 'busybox', 'sleep', '100']);
      const pid1 = await inspect(d, '{{.State.Pid}}', 'c-rp');
      await ok(d, ['restart', '-t', '1', 'c-rp']);
      const pid2 = await inspect(d, '{{.State.Pid}}', 'c-rp');
      assert.notEqual(pid1, pid2);
      assert.equal(await inspect(d, '{{.State.Status}} {{.RestartCount}}', 'c-rp'), 'running 0');
      await ok(d, ['pause', 'c-rp']);
      assert.equal(await inspect(d, '{{.State.Status}} {{.State.Paused}} {{.State.Running}}', 'c-rp'), 'paused true true');
      assert.match(await ok(d, ['ps', '--filter', 'name=c-rp', '--format', '{{.Status}}']), /\(Paused\)$/);
      const state = await fs.readFile(`/proc/${pid2}/status`, 'utf8');
      assert.ok(state.length > 0);
      const again = await d.docker(['pause', 'c-rp']);
      assert.match(again.stderr, /is already paused/);
      await ok(d, ['unpause', 'c-rp']);
      assert.equal(await inspect(d, '{{.State.Status}}', 'c-rp'), 'running');
    });

    it('rename, rm of a running container (409) and rm -f', async () => {
      await ok(d, ['rename', 'c-rp', 'c-renamed']);
      assert.equal(await inspect(d, '{{.Name}}', 'c-renamed'), '/c-renamed');
      const id = await inspect(d, '{{.Id}}', 'c-renamed');
      const r = await d.docker(['rm', 'c-renamed']);
      assert.notEqual(r.code, 0);
      assert.equal(
        r.stderr.trim(),
        `Error response from daemon: You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
      );
      assert.equal(await ok(d, ['rm', '-f', 'c-renamed']), 'c-renamed');
      const gone = await api(d, 'GET', '/v1.41/containers/c-renamed/json');
      assert.equal(gone.status, 404);
      assert.equal(JSON.parse(gone.body).message, 'No such container: c-renamed');
    });

    it('container prune removes the stopped ones only', async () => {
      await ok(d, ['run', '-d', '--name', 'c-keep', 'busybox', 'sleep', '100']);
      const out = await ok(d, ['container', 'prune', '-f']);
      assert.match(out, /^Deleted Containers:\n/);
      assert.match(out, /Total reclaimed space: /);
      assert.equal(await ok(d, ['ps', '-a', '--format', '{{.Names}}']), 'c-keep');
      await ok(d, ['rm', '-f', 'c-keep']);
    });

    it('answers bad input as Docker does: unknown image, name conflict, bad limits', async () => {
      const noImage = await api(d, 'POST', '/v1.41/containers/create', { Image: 'nosuch:img', Cmd: ['true'] });
      assert.deepEqual([noImage.status, JSON.parse(noImage.body)], [404, { message: 'No such image: nosuch:img' }]);
      const id = await ok(d, ['create', '--name', 'c-dup', 'busybox', 'true']);
      const dup = await d.docker(['create', '--name', 'c-dup', 'busybox', 'true']);
      assert.equal(
        dup.stderr.trim(),
        `Error response from daemon: Conflict. The container name "/c-dup" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
      const mem = await d.docker(['create', '-m', '4m', 'busybox', 'true']);
      assert.match(mem.stderr, /Minimum memory limit allowed is 6MB/);
      const cpus = await d.docker(['create', '--cpus', '1000', 'busybox', 'true']);
      assert.match(cpus.stderr, /Range of CPUs is from 0\.01 to \d+\.00, as there are only \d+ CPUs available/);
      const policy = await api(d, 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'sometimes' } } });
      assert.deepEqual([policy.status, JSON.parse(policy.body).message], [400, "invalid restart policy 'sometimes'"]);
      const sig = await api(d, 'POST', '/v1.41/containers/create', { Image: 'busybox', StopSignal: 'SIGFOO' });
      assert.deepEqual([sig.status, JSON.parse(sig.body).message], [400, 'Invalid signal: SIGFOO']);
      // kill checks the signal before it looks the container up, as dockerd does.
      const kill = await api(d, 'POST', '/v1.41/containers/no-such-ctr/kill?signal=BOGUS');
      assert.deepEqual([kill.status, JSON.parse(kill.body).message], [400, 'Invalid signal: BOGUS']);
    });

    it('a missing command fails the start with exit 127 (126 when not executable), recorded in State', async () => {
      // The CLI maps the daemon's message to its exit code case-sensitively: runc's lower-case
      // errors give 127/126. crun's strerror text ("No such file or directory") would give 125 (as
      // with real dockerd and crun); the daemon words crun's failures as runc's, so `run` exits
      // 127/126 with either runtime, as Docker's documentation promises.
      const cliCode = (code: number) => code;
      const r = await d.docker(['run', '-d', '--name', 'c-127', 'busybox', 'nosuch']);
      assert.equal(r.code, cliCode(127), r.stderr);
      const msg =
        runtime === 'runc'
          ? 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown'
          : undefined;
      if (msg) assert.match(r.stderr, new RegExp(msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.equal(await inspect(d, '{{.State.Status}} {{.State.ExitCode}}', 'c-127'), 'created 127');
      const err = await inspect(d, '{{.State.Error}}', 'c-127');
      assert.match(err, /^failed to create shim task: OCI runtime create failed: .*nosuch.*: unknown$/);
      if (msg) assert.equal(err, msg);
      const start = await api(d, 'POST', '/v1.41/containers/c-127/start');
      assert.equal(start.status, 400);
      const r126 = await d.docker(['run', '-d', '--name', 'c-126', 'busybox', '/etc/passwd']);
      assert.equal(r126.code, cliCode(126), r126.stderr);
      assert.equal(await inspect(d, '{{.State.ExitCode}}', 'c-126'), '126');
    });

    it('--restart on-failure:2 restarts twice, then stays exited', async () => {
      await ok(d, ['run', '-d', '--name', 'c-onfail', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
      await eventually(async () => (await inspect(d, '{{.State.Status}} {{.RestartCount}}', 'c-onfail')) === 'exited 2', 'two restarts');
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(await inspect(d, '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}', 'c-onfail'), 'exited 2 1');
    });

    it('an OOM kill is exit 137 with OOMKilled true', async () => {
      await ok(d, ['run', '-d', '--name', 'c-oom', '-m', '8m', '--memory-swap', '8m', 'busybox', 'sh', '-c', 'x=$(head -c 64000000 /dev/zero | tr "\\0" a); echo $x']);
      assert.equal(await ok(d, ['wait', 'c-oom']), '137');
      assert.equal(await inspect(d, '{{.State.OOMKilled}} {{.State.ExitCode}}', 'c-oom'), 'true 137');
    });

    it('wait flushes its headers at once and answers when the condition is met', { timeout: 60_000 }, async () => {
      // The container exits only when told to, which happens once the headers have arrived: a
      // daemon that held the headers until the exit would never answer (the test times out).
      // The CLI relies on the early headers to know the wait is registered.
      await ok(d, ['run', '-d', '--name', 'c-wait', 'busybox', 'sh', '-c', 'while [ ! -e /go ]; do sleep 0.05; done; exit 7']);
      const result = await new Promise<{ body: string; status: number }>((resolve, reject) => {
        const req = http.request({ socketPath: d.socket, method: 'POST', path: '/v1.41/containers/c-wait/wait?condition=next-exit' }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ body, status: res.statusCode ?? 0 }));
          // Detached: the container's exit may SIGKILL touch before it returns (137), as in Docker.
          ok(d, ['exec', '-d', 'c-wait', 'touch', '/go']).catch(reject);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(result.status, 200);
      assert.equal(result.body, '{"Error":null,"StatusCode":7}\n');
      const notRunning = await api(d, 'POST', '/v1.41/containers/c-wait/wait');
      assert.equal(notRunning.body, '{"Error":null,"StatusCode":7}\n');
    });

    it('run --rm (attached) prints the output, returns the exit code and removes the container', async (t) => {
      const before = await ok(d, ['ps', '-aq']);
      const t0 = Date.now();
      const hi = await d.docker(['run', '--rm', 'busybox', 'echo', 'hi']);
      t.diagnostic(`docker run --rm busybox echo hi: ${Date.now() - t0} ms (${runtime}, CLI included)`);
      assert.deepEqual([hi.code, hi.stdout, hi.stderr], [0, 'hi\n', '']);
      const three = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo oops >&2; exit 3']);
      assert.deepEqual([three.code, three.stdout, three.stderr], [3, '', 'oops\n']);
      const missing = await d.docker(['run', '--rm', 'busybox', 'nosuch']);
      assert.equal(missing.code, 127, missing.stderr);
      assert.doesNotMatch(missing.stderr, /Error waiting for container/, 'the removed wait carries no error, as in Docker');
      assert.equal(await ok(d, ['ps', '-aq']), before, 'every --rm container is gone');
    });

    it('gives the container its hostname, hosts and resolv.conf (no loopback nameserver)', async () => {
      const r = await d.docker(['run', '--name', 'c-etc', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf']);
      assert.equal(r.code, 0, r.stderr);
      const id = await inspect(d, '{{.Id}}', 'c-etc');
      const lines = r.stdout.split('\n');
      assert.deepEqual(lines.slice(0, 3), [id.slice(0, 12), id.slice(0, 12), '127.0.0.1\tlocalhost']);
      assert.ok(r.stdout.includes(`\t${id.slice(0, 12)}\n`), 'the hostname resolves');
      assert.match(r.stdout, /^nameserver /m);
      assert.doesNotMatch(r.stdout, /^nameserver (127\.|::1)/m);
      const none = await d.docker(['run', '--rm', '--network', 'none', '--hostname', 'h1', 'busybox', 'sh', '-c', 'hostname; cat /etc/hosts']);
      assert.equal(none.stdout.split('\n')[0], 'h1');
      assert.doesNotMatch(none.stdout, /\th1/, 'with --network none, as Docker: no hostname line');
      assert.equal(await inspect(d, '{{.HostnamePath}}', 'c-etc'), `${d.dataRoot}/containers/${id}/hostname`);
    });

    it('leaves nothing behind after rm (mounts, cgroups, runtime state, shims)', async () => {
      await ok(d, ['run', '-d', '--name', 'c-leak', '--init', 'busybox', 'sleep', '100']);
      assert.ok((await mountsOf(d)).length > 0, 'the running container has its rootfs mounted');
      await removeAllAndCheckLeaks(d);
    });
  });
}
