/**
 * `wharf network …` against the real docker CLI, both talking to one private wharfd: the same
 * output for create/ls/inspect/connect/disconnect/rm/prune, and the same errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';
import { ok } from './network.fixture.js';

after(cleanupFixture);

describe('wharf network commands', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemonWithBusybox();
  });
  after(async () => {
    await removeAllContainers(d);
    await d.docker(['network', 'prune', '-f']);
    await d.destroy();
  });

  /** Runs the same arguments through both CLIs and asserts the same exit code and output. */
  async function same(args: string[]): Promise<string> {
    const [w, k] = [await d.wharf(args), await d.docker(args)];
    assert.equal(w.code, k.code, `${args.join(' ')}: ${w.stderr} / ${k.stderr}`);
    assert.equal(w.stdout, k.stdout, args.join(' '));
    assert.equal(w.stderr.replace(/^wharf/gm, 'docker'), k.stderr, args.join(' '));
    return w.stdout;
  }

  it('creates like docker and lists, filters and inspects the same', async () => {
    const id = (await d.wharf(['network', 'create', '--subnet', '10.232.9.0/24', '--gateway', '10.232.9.1', '--label', 'k=v', 'clinet'])).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await same(['network', 'ls']);
    await same(['network', 'ls', '--no-trunc', '--filter', 'label=k=v']);
    await same(['network', 'ls', '-q', '--filter', 'type=custom']);
    await same(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Internal}} {{.IPv6}} {{.Labels}} {{.Label "k"}}']);
    await same(['network', 'inspect', 'clinet']);
    await same(['network', 'inspect', '-f', '{{.Name}} {{(index .IPAM.Config 0).Subnet}}', 'clinet', 'bridge']);
    await same(['network', 'inspect', 'nosuch']);
    const dup = await d.wharf(['network', 'create', 'clinet']);
    assert.equal(dup.stderr, 'Error response from daemon: network with name clinet already exists\n');
  });

  it('connects and disconnects, and removes and prunes like docker', async () => {
    await ok(d, ['run', '-d', '--name', 'c1', 'busybox', 'sleep', '100']);
    const r = await d.wharf(['network', 'connect', '--alias', 'one', '--ip', '10.232.9.50', 'clinet', 'c1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await ok(d, ['inspect', 'c1', '--format', '{{.NetworkSettings.Networks.clinet.IPAddress}}']), '10.232.9.50');
    await same(['network', 'rm', 'clinet']);
    assert.equal((await d.wharf(['network', 'disconnect', 'clinet', 'c1'])).code, 0);
    await same(['network', 'disconnect', 'clinet', 'c1']);
    await same(['network', 'rm', 'bridge', 'nosuch']);
    const rm = await d.wharf(['network', 'rm', 'clinet']);
    assert.equal(rm.stdout, 'clinet\n');
    await ok(d, ['network', 'create', 'p1']);
    assert.equal((await d.wharf(['network', 'prune', '-f'])).stdout, 'Deleted Networks:\np1\n\n');
  });
});
