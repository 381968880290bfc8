/**
 * The stream routes over real HTTP against real containers (runc, wharf-shim, busybox): attach
 * before start, stdin before start, half-close, tty, detach keys, resize, logs, exec.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEventBus } from '../../../core/events/events.js';
import { bindFreeControllersToV1 } from '../../../plugins/runtime/cgroups.js';
import { buildShim, createShimFixture, type ShimFixture, shimAlive, waitUntil } from '../../../plugins/shim/shim-fixture.js';
import { MuxDecoder } from './stdcopy.js';
import { hijack, request, serveStreams, TestContainers } from './streams-fixture.js';

await bindFreeControllersToV1();

/** Frames of a multiplexed body as [stream, text] pairs. */
function frames(buf: Buffer): [number, string][] {
  const d = new MuxDecoder();
  const out = d.push(buf).map((f) => [f.stream, f.data.toString('utf8')] as [number, string]);
  assert.equal(d.pending, 0, 'no partial frame');
  return out;
}

/** Text per stream id: stdout and stderr are separate pipes, so only their own order is fixed. */
function byStream(fs: [number, string][]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [s, t] of fs) out[s] = (out[s] ?? '') + t;
  return out;
}

describe('container streams over HTTP (runc, wharf-shim)', () => {
  let dir: string;
  let fx: ShimFixture;
  let containers: TestContainers;
  let api: { socket: string; close(): Promise<void> };
  const events = createEventBus();

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-streams-'));
    const shimPath = await buildShim(path.join(dir, 'wharf-shim'));
    fx = await createShimFixture('runc', shimPath);
    containers = new TestContainers(fx);
    api = await serveStreams(containers, dir, events);
  });

  after(async () => {
    await api?.close();
    await fx?.cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('attaches before start: frames per stream, half-close ignored, closed at exit', async () => {
    const c = await containers.create(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    const h = await hijack(api.socket, 'POST', `/v1.41/containers/${c.id}/attach?stream=1&stdout=1&stderr=1`);
    assert.match(h.head, /^HTTP\/1.1 101 UPGRADED\r\nContent-Type: application\/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp/);
    h.socket.end(); // the CLI's CloseWrite() right after the 101
    await containers.start(c.id);
    await h.ended;
    assert.deepEqual(byStream(frames(h.received())), { 1: 'out\n', 2: 'err\n' });
    await containers.waitExit(c.id);
    assert.equal(containers.get(c.id).state.exitCode, 3);
  });

  it('a removal before the shim delivered the output waits for it: the session ends with the shim', async () => {
    const c = await containers.create(['sh', '-c', 'sleep 0.3; echo hi']);
    const h = await hijack(api.socket, 'POST', `/v1.41/containers/${c.id}/attach?stream=1&stdout=1&stderr=1`);
    h.socket.end();
    await containers.start(c.id);
    // The shim is held while the process writes and exits, and the container is removed then
    // (as `--rm` can be right after an exit the daemon learned of first): the output is still
    // in the process's pipe, not yet sent to the attached session.
    const shimPid = containers.get(c.id).state.shimPid;
    process.kill(shimPid, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 600));
      await containers.remove(c.id);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      process.kill(shimPid, 'SIGCONT');
    }
    await h.ended;
    assert.deepEqual(byStream(frames(h.received())), { 1: 'hi\n' });
  });

  it('queues stdin sent before start; the client EOF closes the process stdin (StdinOnce)', async () => {
    const c = await containers.create(['cat'], { config: { OpenStdin: true, StdinOnce: true, AttachStdin: true } });
    const h = await hijack(api.socket, 'POST', `/v1.41/containers/${c.id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
    h.socket.end('data from before start\n');
    await new Promise((r) => setTimeout(r, 100));
    await containers.start(c.id);
    await h.ended;
    assert.deepEqual(frames(h.received()), [[1, 'data from before start\n']]);
    await containers.waitExit(c.id);
  });

  it('tty: raw bytes, resize, detach keys keep the container running, re-attach and exit', async () => {
    const c = await containers.create(['sh'], { config: { Tty: true, OpenStdin: true } });
    await containers.start(c.id);
    const h = await hijack(api.socket, 'POST', `/v1.41/containers/${c.id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
    const r = await request(api.socket, 'POST', `/v1.41/containers/${c.id}/resize?h=21&w=73`);
    assert.equal(r.status, 200);
    h.socket.write('echo $((6*7)); stty size\r');
    await h.waitFor('42\r\n21 73\r\n');
    assert.ok(!h.received().includes(Buffer.from([1, 0, 0, 0])), 'no frame headers with a tty');
    h.socket.write(Buffer.from([0x10, 0x11]));
    await h.ended;
    assert.equal(containers.get(c.id).state.status, 'running');

    const again = await hijack(api.socket, 'POST', `/v1.41/containers/${c.id}/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-a`);
    again.socket.write('echo back\r');
    await again.waitFor('back\r\n');
    again.socket.write('exit\r');
    await again.ended;
    await containers.waitExit(c.id);
  });

  it('an exited container: logs=1 replays the log, stream=1 waits for the next start', async () => {
    const c = await containers.create(['sh', '-c', 'echo run; echo oops >&2']);
    await containers.start(c.id);
    await containers.waitExit(c.id);
    const replay = await hijack(api.socket, 'POST', `/v1.41/containers/${c.id}/attach?logs=1&stdout=1&stderr=1`);
    await replay.ended;
    assert.deepEqual(byStream(frames(replay.received())), { 1: 'run\n', 2: 'oops\n' });

    const pending = await hijack(api.socket, 'POST', `/v1.41/containers/${c.id}/attach?stream=1&stdout=1`);
    pending.socket.end();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(pending.received().length, 0, 'nothing until the container runs again');
    await containers.start(c.id);
    await pending.ended;
    assert.deepEqual(frames(pending.received()), [[1, 'run\n']], 'only stdout was asked for');
    await containers.waitExit(c.id);
  });

  it('refuses bad detach keys and resize of a stopped container', async () => {
    const c = await containers.create(['true']);
    const bad = await request(api.socket, 'POST', `/v1.41/containers/${c.id}/attach?stream=1&stdout=1&detachKeys=ctrl-1`);
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body.toString()).message, 'Invalid detach keys (ctrl-1) provided');
    const rs = await request(api.socket, 'POST', `/v1.41/containers/${c.id}/resize?h=1&w=1`);
    assert.equal(rs.status, 409);
    assert.equal(JSON.parse(rs.body.toString()).message, `Container ${c.id} is not running`);
    const bh = await request(api.socket, 'POST', `/v1.41/containers/${c.id}/resize?h=x&w=1`);
    assert.equal(JSON.parse(bh.body.toString()).message, 'strconv.Atoi: parsing "x": invalid syntax');
    const nf = await request(api.socket, 'POST', '/v1.41/containers/nosuch/attach?stream=1');
    assert.equal(nf.status, 404);
  });

  it('logs: frames, tail, timestamps, since, follow ending at exit, errors', async () => {
    const c = await containers.create(['sh', '-c', 'echo a; echo b >&2; echo c; sleep 1; echo d']);
    await containers.start(c.id);
    const follow = request(api.socket, 'GET', `/v1.41/containers/${c.id}/logs?follow=1&stdout=1&stderr=1&tail=all`);
    const f = await follow;
    assert.equal(f.status, 200);
    assert.equal(f.headers['content-type'], undefined, 'no Content-Type at 1.41');
    assert.deepEqual(byStream(frames(f.body)), { 1: 'a\nc\nd\n', 2: 'b\n' });
    await containers.waitExit(c.id);
    const tail = await request(api.socket, 'GET', `/v1.41/containers/${c.id}/logs?stdout=1&stderr=1&tail=2`);
    const all = frames((await request(api.socket, 'GET', `/v1.41/containers/${c.id}/logs?stdout=1&stderr=1`)).body);
    assert.deepEqual(frames(tail.body), all.slice(-2));
    const onlyErr = await request(api.socket, 'GET', `/v1.41/containers/${c.id}/logs?stderr=1&timestamps=1`);
    assert.match(frames(onlyErr.body)[0]![1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z b\n$/);
    const future = Math.floor(Date.now() / 1000) + 60;
    const since = await request(api.socket, 'GET', `/v1.41/containers/${c.id}/logs?stdout=1&since=${future}.5`);
    assert.equal(since.body.length, 0);
    const none = await request(api.socket, 'GET', `/v1.41/containers/${c.id}/logs`);
    assert.equal(none.status, 400);
    assert.equal(JSON.parse(none.body.toString()).message, 'Bad parameters: you must choose at least one stream');

    const quiet = await containers.create(['echo', 'x'], { hostConfig: { LogConfig: { Type: 'none', Config: {} } } });
    const nolog = await request(api.socket, 'GET', `/v1.41/containers/${quiet.id}/logs?stdout=1`);
    assert.equal(nolog.status, 501);
    assert.equal(JSON.parse(nolog.body.toString()).message, 'configured logging driver does not support reading');
  });

  it('exec: frames, exit code, env/cwd/user, errors in the stream with 126, inspect', async () => {
    const c = await containers.create(['sleep', '1000'], { config: { Env: ['FROM_CTR=1'] } });
    await containers.start(c.id);
    const exec = async (body: object) => {
      const r = await request(api.socket, 'POST', `/v1.41/containers/${c.id}/exec`, { AttachStdout: true, AttachStderr: true, ...body });
      assert.equal(r.status, 201, r.body.toString());
      const id = (JSON.parse(r.body.toString()) as { Id: string }).Id;
      const h = await hijack(api.socket, 'POST', `/v1.41/exec/${id}/start`, { Detach: false, Tty: false });
      h.socket.end();
      await h.ended;
      const info = JSON.parse((await request(api.socket, 'GET', `/v1.41/exec/${id}/json`)).body.toString());
      return { id, head: h.head, out: frames(h.received()), info };
    };
    const a = await exec({ Cmd: ['sh', '-c', 'echo err >&2; echo out; exit 3'] });
    assert.match(a.head, /^HTTP\/1.1 101 UPGRADED\r\n/);
    assert.deepEqual(byStream(a.out), { 1: 'out\n', 2: 'err\n' });
    assert.equal(a.info.ExitCode, 3);
    assert.equal(a.info.Running, false);
    assert.deepEqual(a.info.ProcessConfig, { tty: false, entrypoint: 'sh', arguments: ['-c', 'echo err >&2; echo out; exit 3'], privileged: false });
    assert.ok(a.info.Pid > 0);
    const actions = events
      .history()
      .filter((e) => e.Actor?.Attributes?.execID === a.id)
      .map((e) => [e.Action, e.Actor?.Attributes?.exitCode]);
    assert.deepEqual(actions, [
      ['exec_create: sh -c echo err >&2; echo out; exit 3', undefined],
      ['exec_start: sh -c echo err >&2; echo out; exit 3', undefined],
      ['exec_die', '3'],
    ]);
    const b = await exec({ Cmd: ['sh', '-c', 'echo $FROM_CTR $X $HOSTNAME; pwd; id -u'], Env: ['X=y'], WorkingDir: '/tmp', User: 'nobody' });
    assert.ok(b.out.every(([s]) => s === 1));
    assert.equal(b.out.map(([, t]) => t).join(''), `1 y ${c.id.slice(0, 12)}\n/tmp\n65534\n`);
    const missing = await exec({ Cmd: ['nosuch'] });
    assert.equal(missing.info.ExitCode, 126);
    assert.equal(missing.out.length, 1);
    assert.equal(missing.out[0]![1], 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown\r\n');
    const badUser = await exec({ Cmd: ['true'], User: 'nosuch' });
    assert.deepEqual(badUser.out, [[1, 'unable to find user nosuch: no matching entries in passwd file\r\n']]);

    const again = await request(api.socket, 'POST', `/v1.41/exec/${a.id}/start`, { Detach: true });
    assert.equal(again.status, 409);
    assert.equal(JSON.parse(again.body.toString()).message, `Error: Exec command ${a.id} has already run`);
    const nf = await request(api.socket, 'GET', '/v1.41/exec/abc/json');
    assert.equal(JSON.parse(nf.body.toString()).message, 'No such exec instance: abc');
    const noCmd = await request(api.socket, 'POST', `/v1.41/containers/${c.id}/exec`, { AttachStdout: true });
    assert.equal(JSON.parse(noCmd.body.toString()).message, 'No exec command specified');
    assert.deepEqual(containers.execIds(c.id), []);
  });

  it('exec: detached start, tty with resize, and the stream ends when the container dies', async () => {
    const c = await containers.create(['sleep', '1000']);
    await containers.start(c.id);
    const create = async (body: object) =>
      (JSON.parse((await request(api.socket, 'POST', `/v1.41/containers/${c.id}/exec`, body)).body.toString()) as { Id: string }).Id;

    const bg = await create({ Cmd: ['sleep', '1'] });
    const before = JSON.parse((await request(api.socket, 'GET', `/v1.41/exec/${bg}/json`)).body.toString());
    assert.equal(before.ExitCode, null);
    assert.deepEqual(containers.execIds(c.id), [bg]);
    const started = await request(api.socket, 'POST', `/v1.41/exec/${bg}/start`, { Detach: true });
    assert.equal(started.status, 200);
    assert.equal(JSON.parse((await request(api.socket, 'GET', `/v1.41/exec/${bg}/json`)).body.toString()).Running, true);
    await waitUntil(async () => JSON.parse((await request(api.socket, 'GET', `/v1.41/exec/${bg}/json`)).body.toString()).ExitCode === 0, 'the detached exec ends');

    const tty = await create({ Cmd: ['sh'], Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const h = await hijack(api.socket, 'POST', `/v1.41/exec/${tty}/start`, { Detach: false, Tty: true });
    const rs = await request(api.socket, 'POST', `/v1.41/exec/${tty}/resize?h=33&w=99`);
    assert.equal(rs.status, 200);
    h.socket.write('stty size; tty\r');
    await h.waitFor('33 99\r\n/dev/pts/');

    const shimDir = containers.shimStateDir(c.id);
    await fx.runtimeCmd('kill', c.id, 'KILL');
    await h.ended;
    await waitUntil(async () => JSON.parse((await request(api.socket, 'GET', `/v1.41/exec/${tty}/json`)).body.toString()).Running === false, 'the exec is over');
    await containers.waitExit(c.id);
    await waitUntil(async () => (await fs.readdir(shimDir)).every((n) => !n.startsWith('e-')), 'exec state dirs are removed');
    assert.equal(await shimAlive(shimDir), false);

    const stopped = await request(api.socket, 'POST', `/v1.41/containers/${c.id}/exec`, { Cmd: ['true'] });
    assert.equal(stopped.status, 409);
    assert.equal(JSON.parse(stopped.body.toString()).message, `Container ${c.id} is not running`);
  });
});
