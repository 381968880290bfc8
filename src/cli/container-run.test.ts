/**
 * wharf's run, exec, start, attach and lifecycle commands against the real docker CLI, both on
 * one private, real dockerd: same stdout, stderr and exit status. Commands that change state
 * run on a container of each CLI's own, and the outputs are compared with the names swapped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRealDockerd } from '../../test/helpers/real-dockerd.js';
import { type Harness, startHarness } from './testkit/docker-harness.js';

const NET = ['--network', 'none'];
const LOOP = 'trap "exit 7" USR1; echo started; while :; do sleep 0.1; done';

describe('container lifecycle: wharf vs docker', { timeout: 300000 }, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness(startRealDockerd);
  });

  after(async () => {
    await h?.stop();
  });

  /** Starts a detached container with docker and returns its name. */
  async function started(name: string, cmd = ['sh', '-c', LOOP]): Promise<string> {
    const r = await h.docker(['run', '-d', ...NET, '--name', name, 'busybox', ...cmd]);
    assert.equal(r.code, 0, r.stderr);
    return name;
  }

  async function state(name: string): Promise<string> {
    return (await h.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name])).stdout.trim();
  }

  /** Runs `args(name)` with docker on `${base}-d` and wharf on `${base}-w`; outputs must agree up to the name. */
  async function pair(base: string, args: (name: string) => string[]) {
    const d = await h.docker(args(`${base}-d`));
    const w = await h.wharf(args(`${base}-w`));
    // Container IDs differ between the two containers: compare them as "ID".
    const norm = (s: string, name: string) => s.replaceAll(name, 'NAME').replace(/\b[0-9a-f]{64}\b/g, 'ID');
    assert.equal(norm(w.stdout, `${base}-w`), norm(d.stdout, `${base}-d`), `stdout of ${args('NAME').join(' ')}`);
    assert.equal(norm(w.stderr, `${base}-w`).replaceAll('wharf', 'docker'), norm(d.stderr, `${base}-d`), `stderr of ${args('NAME').join(' ')}`);
    assert.equal(w.code, d.code, `exit status of ${args('NAME').join(' ')}`);
    return { d, w };
  }

  it('runs a command and exits with its status', async () => {
    await h.same(['run', '--rm', ...NET, 'busybox', 'echo', 'hi']);
    await h.same(['run', '--rm', ...NET, 'busybox', 'sh', '-c', 'exit 3']);
    await h.same(['run', '--rm', ...NET, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 2']);
    await h.same(['run', '--rm', ...NET, '-e', 'A=1', '-w', '/tmp', '-u', '1:2', '--hostname', 'hh', 'busybox', 'sh', '-c', 'echo $A $(pwd) $(id -u):$(id -g) $(hostname)']);
    await h.same(['container', 'run', '--rm', ...NET, '--entrypoint', 'echo', 'busybox', 'via', 'entrypoint']);
    const ok = await h.wharf(['run', '--rm', ...NET, 'busybox', 'true']);
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, '', '']);
  });

  it('reports commands that cannot run with 127 and 126, and daemon errors with 125', async () => {
    const missing = await h.same(['run', '--rm', ...NET, 'busybox', 'nosuchcmd']);
    assert.equal(missing.code, 127);
    const notExec = await h.same(['run', '--rm', ...NET, 'busybox', '/etc']);
    assert.equal(notExec.code, 126);
    await started('taken');
    const conflict = await h.same(['run', ...NET, '--name', 'taken', 'busybox', 'true']);
    assert.equal(conflict.code, 125);
    await h.same(['run', '--rm', ...NET, '--cpus', '99', 'busybox', 'true']);
    await h.same(['create', ...NET, '--name', 'taken', 'busybox']);
  });

  it('pipes stdin with -i and half-closes at its end', async () => {
    await h.same(['run', '-i', '--rm', ...NET, 'busybox', 'cat'], { stdin: 'piped\nlines\n' });
    await h.same(['run', '-i', '--rm', ...NET, 'busybox', 'sh', '-c', 'wc -l; exit 4'], { stdin: 'a\nb\nc\n' });
    await h.same(['run', '-it', '--rm', ...NET, 'busybox', 'true'], { stdin: '' });
  });

  it('pulls a missing image, failing like docker when no registry answers', async () => {
    const r = await h.same(['run', '--rm', ...NET, 'nosuchimage:1', 'true']);
    assert.match(r.stderr, /^Unable to find image 'nosuchimage:1' locally\n/);
    await h.same(['create', '--pull', 'never', 'nosuchimage:1']);
  });

  it('runs detached, prints the ID and keeps running', async () => {
    const r = await h.wharf(['run', '-d', ...NET, '--name', 'det-w', 'busybox', 'sleep', '1000']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
    assert.equal(await state('det-w'), 'running 0');
    const rm = await h.wharf(['run', '-d', '--rm', ...NET, 'busybox', 'true']);
    assert.equal(rm.code, 0);
  });

  it('creates and starts containers, attached or not', async () => {
    for (const s of ['d', 'w']) assert.equal((await h.docker(['create', ...NET, '--name', `st-${s}`, 'busybox', 'sh', '-c', 'echo attached; exit 5'])).code, 0);
    await pair('st', (n) => ['start', '-a', n]);
    await pair('st', (n) => ['start', n]);
    await h.same(['start', 'nosuch']);
    await h.same(['start', 'nosuch', 'nosuch2']);
    await h.same(['start', '-a', 'nosuch', 'nosuch2']);
    const c = await h.wharf(['create', ...NET, '--name', 'cr-w', 'busybox']);
    assert.match(c.stdout, /^[0-9a-f]{64}\n$/);
    assert.equal(await state('cr-w'), 'created 0');
    for (const s of ['d', 'w']) await h.docker(['create', '-i', ...NET, '--name', `sti-${s}`, 'busybox', 'sh', '-c', 'cat; exit 2']);
    const d = await h.docker(['start', '-ai', 'sti-d'], { input: 'through start\n' });
    const w = await h.wharf(['start', '-ai', 'sti-w'], { stdin: 'through start\n' });
    assert.deepEqual([w.stdout, w.stderr, w.code], [d.stdout, d.stderr, d.code]);
    assert.deepEqual([w.stdout, w.code], ['through start\n', 2]);
  });

  it('writes the container ID to --cidfile and refuses an existing one', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const dir = await mkdtemp('/tmp/wharf-cid-');
    try {
      const file = `${dir}/cid`;
      const r = await h.wharf(['run', '--rm', ...NET, '--cidfile', file, 'busybox', 'true']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(await readFile(file, 'utf8'), /^[0-9a-f]{64}$/);
      await h.same(['run', '--rm', ...NET, '--cidfile', file, 'busybox', 'true']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('execs in a running container and exits with the exec status', async () => {
    const c = await started('ex');
    await h.same(['exec', c, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    await h.same(['exec', '-i', c, 'sh', '-c', 'cat; echo done'], { stdin: 'to exec\n' });
    await h.same(['exec', '-e', 'X=1', '-w', '/etc', '-u', '5', c, 'sh', '-c', 'echo $X $(pwd) $(id -u)']);
    await h.same(['exec', '-d', c, 'touch', '/tmp/detached']);
    await h.same(['exec', '-it', c, 'sh']);
    await h.same(['exec', 'nosuch', 'true']);
    await h.same(['exec', c]);
    await h.same(['exec', c, 'nosuchcmd']);
    await h.docker(['create', '--name', 'ex-stopped', 'busybox']);
    await h.same(['exec', 'ex-stopped', 'true']);
  });

  it('stops, kills, pauses, restarts, waits and renames like docker', async () => {
    for (const s of ['d', 'w']) await started(`lc-${s}`);
    await pair('lc', (n) => ['pause', n]);
    assert.equal(await state('lc-w'), 'paused 0');
    await pair('lc', (n) => ['unpause', n]);
    await pair('lc', (n) => ['unpause', n]);
    await pair('lc', (n) => ['restart', '-t', '1', n]);
    await pair('lc', (n) => ['kill', '-s', 'USR1', n]);
    await pair('lc', (n) => ['wait', n]);
    assert.equal(await state('lc-w'), 'exited 7');
    for (const s of ['d', 'w']) await h.docker(['start', `lc-${s}`]);
    await pair('lc', (n) => ['stop', '-t', '1', n]);
    assert.equal(await state('lc-w'), 'exited 137');
    await pair('lc', (n) => ['rename', n, `${n}-renamed`]);
    await h.same(['stop', 'nosuch', 'nosuch2']);
    await h.same(['kill', 'nosuch']);
    await h.same(['kill', '-s', 'FOO', 'taken']);
    await h.same(['stop', '-t', 'x', 'taken']);
    await h.same(['restart', 'nosuch']);
    await h.same(['pause', 'nosuch']);
    await h.same(['unpause', 'taken']);
    await h.same(['wait', 'nosuch']);
    await h.same(['rename', 'nosuch', 'x']);
    await h.same(['rename', 'taken', ' ']);
    await h.same(['rename', 'taken']);
  });

  it('removes containers in parallel with docker errors', async () => {
    for (const s of ['d', 'w']) {
      await started(`rmr-${s}`);
      await h.docker(['create', '--name', `rmc-${s}`, 'busybox']);
    }
    await pair('rmr', (n) => ['rm', n]);
    await pair('rmc', (n) => ['rm', '-v', n, 'nosuch']);
    await pair('rmr', (n) => ['container', 'rm', '-f', n]);
    await h.same(['rm', '-f', 'nosuch']);
    await h.same(['rm', 'nosuch1', 'nosuch2']);
    await h.same(['rm']);
  });

  it('attaches to a running container and reports what docker reports', async () => {
    for (const s of ['d', 'w']) await started(`at-${s}`, ['sh', '-c', 'sleep 2; echo late; exit 6']);
    await pair('at', (n) => ['attach', '--no-stdin', n]);
    await h.same(['attach', 'nosuch']);
    await h.docker(['create', '--name', 'at-created', 'busybox']);
    await h.same(['attach', 'at-created']);
  });
});
