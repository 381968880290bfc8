/**
 * Networking across the daemon's life, with the real docker CLI against a private wharfd:
 * outbound NAT to a namespace this test makes, a published port that survives a daemon restart
 * (live restore), rules and namespaces of a container that stopped while the daemon was killed
 * removed at the next start, and a host left clean by `rm -f`, `network prune` and a stop.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { formatCidr, formatIPv4, parseIPv4, pickFreeSubnet } from '../../src/core/network/ipv4.js';
import { hostTakenPrefixes } from '../../src/plugins/network/host-facts.js';
import { run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';
import { defaultBridgeOf, eventually, freePort, giveUpAfter3s, hostObjectsOf, httpdServing, httpGet, ok } from './network.fixture.js';

after(cleanupFixture);

/** A namespace of the test's own behind a veth pair, running a server that echoes the peer's address. */
interface Peer {
  ns: string;
  hostIf: string;
  hostIp: string;
  peerIp: string;
  server: ChildProcess;
}

async function makePeer(): Promise<Peer> {
  const id = randomBytes(3).toString('hex');
  const cands = Array.from({ length: 256 }, (_, i) => ({ base: parseIPv4(`10.235.${i}.0`)!, prefix: 24 }));
  const subnet = pickFreeSubnet(cands, await hostTakenPrefixes(), Number.parseInt(id, 16) % 256)!;
  const [hostIp, peerIp] = [formatIPv4(subnet.base + 1), formatIPv4(subnet.base + 2)];
  const p: Peer = { ns: `wtn-${id}`, hostIf: `wtp${id}a`, hostIp, peerIp, server: undefined as unknown as ChildProcess };
  const batch = [`netns add ${p.ns}`, `link add ${p.hostIf} type veth peer name eth0 netns ${p.ns}`, `addr add ${hostIp}/24 dev ${p.hostIf}`, `link set ${p.hostIf} up`];
  assert.equal((await run('ip', ['-batch', '-'], { input: `${batch.join('\n')}\n` })).code, 0);
  const inside = ['link set lo up', `addr add ${peerIp}/24 dev eth0`, 'link set eth0 up'];
  assert.equal((await run('ip', ['-n', p.ns, '-batch', '-'], { input: `${inside.join('\n')}\n` })).code, 0);
  const js = "require('http').createServer((q,s)=>s.end(q.socket.remoteAddress)).listen(8080,'0.0.0.0',()=>console.log('up'))";
  p.server = spawn('ip', ['netns', 'exec', p.ns, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => p.server.stdout!.once('data', () => resolve()));
  assert.ok(formatCidr(subnet));
  return p;
}

async function removePeer(p: Peer | undefined): Promise<void> {
  if (!p) return;
  p.server?.kill('SIGKILL');
  await run('ip', ['-force', '-batch', '-'], { input: `link del ${p.hostIf}\nnetns del ${p.ns}\n` });
}

describe('networking across the daemon lifecycle', () => {
  let d: TestDaemon;
  let peer: Peer | undefined;
  before(async () => {
    d = await startDaemonWithBusybox();
  });
  after(async () => {
    await removePeer(peer);
    await removeAllContainers(d);
    await d.destroy();
  });

  it('masquerades outbound traffic from the default bridge and from a user network', async () => {
    peer = await makePeer();
    const url = `http://${peer.peerIp}:8080/`;
    assert.equal(await ok(d, ['run', '--rm', 'busybox', 'wget', '-qO-', url]), peer.hostIp, 'seen from the host address');
    await ok(d, ['network', 'create', 'outnet']);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'outnet', 'busybox', 'wget', '-qO-', url]), peer.hostIp);
    await ok(d, ['network', 'create', '--internal', 'closed']);
    const internal = await d.docker(['run', '--rm', '--network', 'closed', 'busybox', ...giveUpAfter3s(url)]);
    assert.notEqual(internal.code, 0, 'an internal network has no way out');
  });

  it('keeps a published port through a daemon restart, and drops what a crash left of a stopped container', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    await ok(d, ['run', '-d', '--name', 'keep', '-p', `127.0.0.1:${p1}:80`, 'busybox', ...httpdServing('still-here')]);
    await ok(d, ['run', '-d', '--name', 'lost', '-p', `127.0.0.1:${p2}:80`, 'busybox', ...httpdServing('soon-gone')]);
    assert.equal((await httpGet(`http://127.0.0.1:${p2}/`)).body, 'soon-gone\n');
    // A graceful restart: the containers keep running, the proxies listen again.
    await d.stop();
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    assert.equal((await httpGet(`http://127.0.0.1:${p1}/`)).body, 'still-here\n');
    assert.equal(await ok(d, ['port', 'keep', '80']), `127.0.0.1:${p1}`);
    // A crash, and a container that dies while the daemon is down.
    const lostPid = Number(await ok(d, ['inspect', 'lost', '--format', '{{.State.Pid}}']));
    const lostShort = (await ok(d, ['inspect', 'lost', '--format', '{{.Id}}'])).slice(0, 12);
    const lostNs = (await hostObjectsOf(d, [])).netns.filter((n) => n.includes(lostShort));
    assert.equal(lostNs.length, 1, 'the running container has its namespace');
    await d.kill();
    process.kill(lostPid, 'SIGKILL');
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    await eventually(async () => (await ok(d, ['inspect', 'lost', '--format', '{{.State.Status}}'])) === 'exited', 'the dead container is recorded');
    const objs = await hostObjectsOf(d, []);
    assert.ok(!objs.rules.some((r) => r.includes(`--dport ${p2}`)), objs.rules.join('\n'));
    assert.ok(!objs.netns.includes(lostNs[0]!), objs.netns.join('\n'));
    await assert.rejects(httpGet(`http://127.0.0.1:${p2}/`, 1500));
    assert.equal((await httpGet(`http://127.0.0.1:${p1}/`)).body, 'still-here\n', 'the survivor still serves');
  });

  it('leaves nothing of the daemon on the host after rm -f, network prune and a stop', async () => {
    await ok(d, ['network', 'create', 'extra']);
    await ok(d, ['run', '-d', '--name', 'busy', '--network', 'extra', '-p', '127.0.0.1::80', 'busybox', ...httpdServing('x')]);
    const bridge = await defaultBridgeOf(d);
    const userBridges = (await ok(d, ['network', 'ls', '-q', '--no-trunc', '--filter', 'type=custom'])).split('\n').map((id) => `br-${id.slice(0, 12)}`);
    const ids = (await ok(d, ['ps', '-aq'])).split('\n').filter(Boolean);
    await ok(d, ['rm', '-f', ...ids]);
    await ok(d, ['network', 'prune', '-f']);
    const all = [bridge, ...userBridges];
    // Namespaces' veths go with them asynchronously: wait until the kernel is done.
    await eventually(async () => {
      const o = await hostObjectsOf(d, all);
      return o.netns.length === 0 && o.links.every((l) => l === bridge);
    }, 'only the default bridge is left');
    const o = await hostObjectsOf(d, all);
    assert.deepEqual(o.links, [bridge]);
    assert.ok(!o.rules.some((r) => /--dport|-j DNAT|br-/.test(r)), o.rules.join('\n'));
    await d.stop();
    assert.deepEqual(await hostObjectsOf(d, all), { netns: [], links: [], rules: [] }, 'a stopped daemon with no containers leaves nothing');
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
  });
});
