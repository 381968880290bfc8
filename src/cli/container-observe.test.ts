/**
 * wharf's container observation commands (ps, logs, inspect, top, port, stats, events) against
 * the real docker CLI on one private, real dockerd: same stdout, stderr and exit status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRealDockerd } from '../../test/helpers/real-dockerd.js';
import { type Harness, startHarness } from './testkit/docker-harness.js';

const NET = ['--network', 'none'];

describe('container observation: wharf vs docker', { timeout: 300000 }, () => {
  let h: Harness;
  let t0: number;

  before(async () => {
    t0 = Math.floor(Date.now() / 1000) - 1;
    h = await startHarness(startRealDockerd);
    const run = async (args: string[]) => assert.equal((await h.docker(args)).code, 0, args.join(' '));
    await run(['run', '-d', ...NET, '--name', 'web', '-l', 'b=2', '-l', 'a=1', '-p', '8080:80', 'busybox', 'sh', '-c', 'echo out; echo err >&2; sleep 1000']);
    await run(['create', ...NET, '--name', 'idle', 'busybox', 'echo', 'a very long command line that is truncated']);
    await run(['run', '-d', ...NET, '--name', 'tty', '-t', 'busybox', 'sh', '-c', 'echo on a tty; sleep 1000']);
    await run(['run', ...NET, '--name', 'done', 'busybox', 'sh', '-c', 'echo first; echo second']);
    // Let the "Up N seconds" and "N seconds ago" columns settle past "Less than a second".
    await new Promise((r) => setTimeout(r, 1100));
  });

  after(async () => {
    await h?.stop();
  });

  it('lists containers like docker ps', async () => {
    const o = { retries: 3 };
    await h.same(['ps'], o);
    await h.same(['ps', '-a'], o);
    await h.same(['ps', '-a', '--no-trunc'], o);
    await h.same(['ps', '-a', '-s'], o);
    await h.same(['ps', '-aq'], o);
    await h.same(['ps', '-n', '2'], o);
    await h.same(['ps', '-l', '--format', '{{.Names}}'], o);
    await h.same(['ps', '-a', '--filter', 'name=web', '--filter', 'status=running', '--format', 'table {{.Names}}\t{{.Labels}}\t{{.Label "a"}}\t{{.Networks}}\t{{.State}}'], o);
    await h.same(['ps', '-a', '--format', 'json'], o);
    await h.same(['ps', '-a', '--format', '{{json .}}'], o);
    await h.same(['ps', '-a', '--format', 'raw'], o);
    await h.same(['ps', '--format', 'table {{.Names}}\t{{.Size}}'], o);
    await h.same(['ps', '-q', '--format', '{{.Names}}'], o);
    await h.same(['ps', '--format', '{{.Foo'], o);
    await h.same(['ps', '--format', '{{.Foo}}'], o);
    await h.same(['ps', '--filter', 'foo=bar']);
    await h.same(['ps', '--filter', 'bad']);
    await h.same(['ps', '-n', 'x']);
    await h.same(['ps', 'extra']);
    await h.same(['container', 'ls', '-a', '--format', '{{.Names}} {{.Command}} {{.Image}}']);
    await h.same(['container', 'list', '-q']);
    await h.same(['container', 'ps', '-aq']);
  });

  it('shows logs like docker logs', async () => {
    await h.same(['logs', 'web']);
    await h.same(['logs', '--tail', '1', 'web']);
    await h.same(['logs', '-n', '0', 'web']);
    await h.same(['logs', '-t', 'web']);
    await h.same(['logs', '--details', '--timestamps', 'web']);
    await h.same(['logs', '--since', '10m', 'web']);
    await h.same(['logs', '--until', '1s', 'web']);
    await h.same(['logs', '--since', '2000-01-01T00:00:00Z', 'web']);
    await h.same(['logs', '--since', String(t0), 'web']);
    await h.same(['logs', '-f', 'done']);
    await h.same(['logs', 'tty']);
    await h.same(['logs', '--since', 'x', 'web']);
    await h.same(['logs', '--until', '2020-13-01', 'web']);
    await h.same(['logs', 'nosuch']);
    await h.same(['container', 'logs', '--tail', '1', 'done']);
  });

  it('follows logs until the container exits', async () => {
    for (const s of ['d', 'w']) await h.docker(['run', '-d', ...NET, '--name', `fl-${s}`, 'busybox', 'sh', '-c', 'echo a; sleep 1; echo b >&2']);
    const d = await h.docker(['logs', '-f', 'fl-d']);
    const w = await h.wharf(['logs', '-f', 'fl-w']);
    assert.deepEqual([w.stdout, w.stderr, w.code], [d.stdout, d.stderr, d.code]);
    assert.deepEqual([w.stdout, w.stderr], ['a\n', 'b\n']);
  });

  it('inspects containers like docker', async () => {
    await h.same(['inspect', 'web']);
    await h.same(['container', 'inspect', 'web', 'idle']);
    await h.same(['container', 'inspect', '-f', '{{.Name}} {{.State.Status}} {{json .Config.Cmd}} {{.Config.Labels.a}}', 'web', 'nosuch']);
    await h.same(['container', 'inspect', '-s', '-f', '{{.SizeRw}}', 'web']);
    await h.same(['container', 'inspect', 'nosuch']);
  });

  it('shows processes and ports like docker top and port', async () => {
    await h.same(['top', 'web'], { retries: 2 });
    await h.same(['top', 'web', '-o', 'pid,comm']);
    await h.same(['container', 'top', 'web', 'x']);
    await h.same(['top', 'idle']);
    await h.same(['port', 'web']);
    await h.same(['port', 'web', '80']);
    await h.same(['port', 'web', '80/udp']);
    await h.same(['port', 'web', 'x']);
    await h.same(['port', 'nosuch']);
    await h.same(['port']);
  });

  it('shows stats like docker stats --no-stream', async () => {
    await h.same(['stats', '--no-stream', '--format', '{{.Name}} {{.ID}} {{.Container}} {{.PIDs}}', 'web', 'tty']);
    await h.same(['stats', '--no-stream', '--no-trunc', '--format', 'table {{.ID}}\t{{.Name}}', 'web']);
    await h.same(['container', 'stats', '--no-stream', '--format', '{{.Name}}']);
    await h.same(['stats', '--no-stream', 'nosuch']);
    const table = await h.wharf(['stats', '--no-stream', 'web']);
    assert.match(table.stdout, /^CONTAINER ID {3}NAME {6}CPU % {5}MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS\n[0-9a-f]{12} {3}web {7}\d+\.\d\d% +[\d.]+[KMG]?i?B \/ [\d.]+[KMGT]i?B +\d+\.\d\d% +0B \/ 0B +\S+ \/ \S+ +1\n$/);
  });

  it('reports events like docker events', async () => {
    const until = String(Math.floor(Date.now() / 1000));
    const range = ['--since', String(t0), '--until', until];
    await h.same(['events', ...range]);
    await h.same(['events', ...range, '--filter', 'container=web']);
    await h.same(['events', ...range, '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}} {{.Action}} {{.Type}} {{.Status}}']);
    await h.same(['events', ...range, '--filter', 'container=done', '--format', '{{json .}}']);
    await h.same(['events', ...range, '--format', 'json', '--filter', 'type=container', '--filter', 'event=die']);
    await h.same(['system', 'events', '--since', '1h', '--until', '1ms', '--filter', 'container=idle']);
    await h.same(['events', '--since', 'x']);
    await h.same(['events', '--format', '{{.Foo}}']);
    await h.same(['events', '--format', '{{.Foo']);
    await h.same(['events', '--filter', 'foo=bar', '--until', '1s']);
  });
});
