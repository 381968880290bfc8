/**
 * attach, logs and exec with the real docker CLI against a private wharfd (non-interactive cases;
 * the terminal ones are in containers-streams-tty.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDaemon } from '../helpers/wharfd.js';
import { cgroupsOf, cleanupFixture, eventually, mountsOf, shimsOf, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

describe('docker run/attach/logs/exec streams against wharfd', () => {
  let d: TestDaemon;
  const ids: string[] = [];

  /** `docker run -d …`, remembering the id for the leak checks. */
  const runDetached = async (args: string[]): Promise<string> => {
    const r = await d.docker(['run', '-d', '--network', 'none', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    ids.push(id);
    return id;
  };

  before(async () => {
    d = await startDaemonWithBusybox();
  });

  after(async () => {
    let leaks: { shims: number[]; mounts: string[]; cgroups: string[] } | undefined;
    try {
      if (d) {
        // Every container, also one a failed test left running.
        const all = (await d.docker(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
        if (all.length) await d.docker(['rm', '-f', ...all]);
        leaks = { shims: await shimsOf(d), mounts: await mountsOf(d), cgroups: await cgroupsOf([...ids, ...all]) };
      }
    } finally {
      await d?.destroy();
      await cleanupFixture();
    }
    assert.deepEqual(leaks, { shims: [], mounts: [], cgroups: [] }, 'no shim, mount or cgroup left');
  });

  it('docker run --rm busybox echo hi', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'echo', 'hi']);
    assert.deepEqual(r, { stdout: 'hi\n', stderr: '', code: 0 });
  });

  it('keeps stdout and stderr apart and propagates the exit code', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', code: 3 });
  });

  it('pipes stdin: echo data | docker run -i --rm busybox cat', async () => {
    const r = await d.docker(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'data\nmore data\n' });
    assert.deepEqual(r, { stdout: 'data\nmore data\n', stderr: '', code: 0 });
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const wc = await d.docker(['run', '-i', '--rm', 'busybox', 'wc', '-c'], { input: big });
    assert.equal(wc.stdout.trim(), String(big.length));
  });

  it('docker start -a and -ai attach before starting', async () => {
    const created = await d.docker(['create', '--network', 'none', 'busybox', 'sh', '-c', 'echo started; echo warn >&2']);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    ids.push(id);
    assert.deepEqual(await d.docker(['start', '-a', id]), { stdout: 'started\n', stderr: 'warn\n', code: 0 });
    assert.deepEqual(await d.docker(['start', '-a', id]), { stdout: 'started\n', stderr: 'warn\n', code: 0 }, 'again, after an exit');
    const cat = await d.docker(['create', '-i', '--network', 'none', 'busybox', 'sh', '-c', 'cat; exit 2']);
    ids.push(cat.stdout.trim());
    assert.deepEqual(await d.docker(['start', '-ai', cat.stdout.trim()], { input: 'piped\n' }), { stdout: 'piped\n', stderr: '', code: 2 });
  });

  it('a tty container logs raw bytes with CRLF', async () => {
    const id = await runDetached(['-t', 'busybox', 'sh', '-c', 'echo tty; echo err >&2']);
    await d.docker(['wait', id]);
    assert.deepEqual(await d.docker(['logs', id]), { stdout: 'tty\r\nerr\r\n', stderr: '', code: 0 });
  });

  it('docker attach to a running container streams until it exits', async () => {
    const id = await runDetached(['busybox', 'sh', '-c', 'sleep 1; echo one; echo two >&2; sleep 1; echo three']);
    const r = await d.docker(['attach', id]);
    assert.deepEqual(r, { stdout: 'one\nthree\n', stderr: 'two\n', code: 0 });
  });

  it('docker logs: all, --tail 2, -t, --since, and the log-driver none error', async () => {
    const id = await runDetached(['busybox', 'sh', '-c', 'echo early; echo early-err >&2; sleep 2; echo late; echo last']);
    await eventually(async () => (await d.docker(['logs', id])).stdout === 'early\n', 'the first line is logged');
    const between = new Date(Date.now() + 500);
    await d.docker(['wait', id]);
    const all = await d.docker(['logs', id]);
    assert.deepEqual(all, { stdout: 'early\nlate\nlast\n', stderr: 'early-err\n', code: 0 });
    const tail = await d.docker(['logs', '--tail', '2', id]);
    assert.equal(tail.stdout, 'late\nlast\n');
    const ts = await d.docker(['logs', '-t', id]);
    assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z early\n(\S+ late\n)(\S+ last\n)$/);
    assert.match(ts.stderr, /^\S+Z early-err\n$/);
    const since = await d.docker(['logs', '--since', between.toISOString(), id]);
    assert.deepEqual(since, { stdout: 'late\nlast\n', stderr: '', code: 0 });

    const quiet = await runDetached(['--log-driver', 'none', 'busybox', 'echo', 'x']);
    const none = await d.docker(['logs', quiet]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'Error response from daemon: configured logging driver does not support reading\n');
  });

  it('docker logs -f follows and ends when the container exits', async () => {
    const id = await runDetached(['busybox', 'sh', '-c', 'for i in 1 2 3; do echo out $i; echo err $i >&2; sleep 0.5; done']);
    const started = Date.now();
    const r = await d.docker(['logs', '-f', id]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'out 1\nout 2\nout 3\n');
    assert.equal(r.stderr, 'err 1\nerr 2\nerr 3\n');
    assert.ok(Date.now() - started < 10_000, 'ended with the container');
    const after = await d.docker(['logs', '-f', '--tail', '2', id]);
    assert.deepEqual(after, { stdout: 'out 3\n', stderr: 'err 3\n', code: 0 }, 'following an exited container returns at once');
  });

  it('docker exec: output, exit code, -e, -w, -u, a missing command, a stopped container', async () => {
    const id = await runDetached(['-e', 'FROM_CTR=c', 'busybox', 'sleep', '1000']);
    assert.deepEqual(await d.docker(['exec', id, 'echo', 'hello']), { stdout: 'hello\n', stderr: '', code: 0 });
    const both = await d.docker(['exec', id, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(both, { stdout: 'out\n', stderr: 'err\n', code: 3 });
    const env = await d.docker(['exec', '-e', 'A=b', '-w', '/tmp', '-u', 'nobody', id, 'sh', '-c', 'echo $A $FROM_CTR; pwd; id -u; id -g']);
    assert.deepEqual(env, { stdout: 'b c\n/tmp\n65534\n65534\n', stderr: '', code: 0 });
    const piped = await d.docker(['exec', '-i', id, 'sh', '-c', 'cat; echo done'], { input: 'in\n' });
    assert.equal(piped.stdout, 'in\ndone\n');
    const missing = await d.docker(['exec', id, 'nosuch']);
    assert.equal(missing.code, 126);
    assert.equal(
      missing.stdout,
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown\r\n',
    );
    const detached = await d.docker(['exec', '-d', id, 'sh', '-c', 'sleep 0.3; touch /tmp/bg-done']);
    assert.equal(detached.code, 0, detached.stderr);
    await eventually(async () => (await d.docker(['exec', id, 'ls', '/tmp/bg-done'])).code === 0, 'the detached exec ran');

    await d.docker(['stop', '-t', '1', id]);
    const stopped = await d.docker(['exec', id, 'true']);
    assert.equal(stopped.code, 1);
    assert.equal(stopped.stderr, `Error response from daemon: Container ${id} is not running\n`);
  });

  it('an exec never holds a container: stop ends the exec stream, rm -f works', async () => {
    const id = await runDetached(['busybox', 'sleep', '1000']);
    const exec = d.docker(['exec', id, 'sh', '-c', 'echo started; sleep 1000']);
    await eventually(async () => (await d.docker(['inspect', '-f', '{{len .ExecIDs}}', id])).stdout.trim() === '1', 'the exec is registered');
    await new Promise((r) => setTimeout(r, 500)); // and has printed
    const t = Date.now();
    const stop = await d.docker(['stop', '-t', '1', id]);
    assert.equal(stop.code, 0, stop.stderr);
    const r = await exec;
    assert.equal(r.stdout, 'started\n');
    assert.equal(r.code, 137, 'the exec was killed with its container');
    assert.ok(Date.now() - t < 8000);
    assert.equal((await d.docker(['rm', id])).code, 0);
    ids.splice(ids.indexOf(id), 1);
  });
});
