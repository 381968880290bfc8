/**
 * User-defined networks with the real docker CLI against a private wharfd: create/ls/inspect/
 * rm/prune with Docker's errors, containers finding each other by name, alias and short id
 * through the embedded DNS (other names forwarded upstream), live connect/disconnect,
 * isolation between networks, and the DNS and hosts options.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';
import { giveUpAfter3s, httpdServing, ok } from './network.fixture.js';

after(cleanupFixture);

describe('user-defined networks', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemonWithBusybox();
  });
  after(async () => {
    await removeAllContainers(d);
    await d.docker(['network', 'prune', '-f']);
    await d.destroy();
  });

  it('lists the predefined networks as Docker does, and refuses to remove them', async () => {
    assert.equal(await ok(d, ['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']), 'bridge bridge local\nhost host local\nnone null local');
    for (const n of ['bridge', 'host', 'none']) {
      const r = await d.docker(['network', 'rm', n]);
      assert.match(r.stderr, new RegExp(`${n} is a pre-defined network and cannot be removed`));
    }
  });

  it('creates a network with a subnet, gateway, range and labels; refuses overlaps and duplicates', async () => {
    const id = await ok(d, ['network', 'create', '--subnet', '10.231.7.0/24', '--gateway', '10.231.7.254', '--ip-range', '10.231.7.128/25', '--label', 'team=net', 'appnet']);
    assert.match(id, /^[0-9a-f]{64}$/);
    const n = JSON.parse(await ok(d, ['network', 'inspect', 'appnet']))[0];
    assert.deepEqual(n.IPAM.Config, [{ Subnet: '10.231.7.0/24', IPRange: '10.231.7.128/25', Gateway: '10.231.7.254' }]);
    assert.deepEqual(n.Labels, { team: 'net' });
    assert.equal(n.Driver, 'bridge');
    const overlap = await d.docker(['network', 'create', '--subnet', '10.231.0.0/16', 'other']);
    assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
    const dup = await d.docker(['network', 'create', 'appnet']);
    assert.match(dup.stderr, /network with name appnet already exists/);
    assert.equal(await ok(d, ['network', 'ls', '-q', '--filter', 'label=team=net']), id.slice(0, 12));
    // Dynamic addresses come from the range.
    await ok(d, ['run', '-d', '--name', 'ranged', '--network', 'appnet', 'busybox', 'sleep', '100']);
    assert.equal(await ok(d, ['inspect', 'ranged', '--format', '{{.NetworkSettings.Networks.appnet.IPAddress}}']), '10.231.7.128');
    await ok(d, ['rm', '-f', 'ranged']);
  });

  it('lets containers fetch from each other by name, alias and short id', async () => {
    await ok(d, ['network', 'create', 'webnet']);
    await ok(d, ['run', '-d', '--name', 'web', '--network', 'webnet', '--network-alias', 'www', 'busybox', ...httpdServing('hello-web')]);
    const short = (await ok(d, ['inspect', 'web', '--format', '{{.Id}}'])).slice(0, 12);
    const out = await ok(d, ['run', '--rm', '--network', 'webnet', 'busybox', 'sh', '-c', `wget -qO- http://web/; wget -qO- http://www/; wget -qO- http://${short}/; wget -qO- http://web.webnet/`]);
    assert.equal(out, 'hello-web\nhello-web\nhello-web\nhello-web');
    // The other way round: the server resolves a client by name too.
    await ok(d, ['run', '-d', '--name', 'client', '--network', 'webnet', 'busybox', ...httpdServing('hello-client')]);
    assert.equal(await ok(d, ['exec', 'web', 'wget', '-qO-', 'http://client/']), 'hello-client');
    const gw = await ok(d, ['network', 'inspect', 'webnet', '--format', '{{(index .IPAM.Config 0).Gateway}}']);
    assert.equal(await ok(d, ['exec', 'web', 'cat', '/etc/resolv.conf']), `nameserver ${gw}\noptions ndots:0`);
    const aliases = JSON.parse(await ok(d, ['inspect', 'web', '--format', '{{json .NetworkSettings.Networks.webnet.Aliases}}']));
    assert.deepEqual(aliases, ['www', short]);
    const inNet = JSON.parse(await ok(d, ['network', 'inspect', 'webnet', '--format', '{{json .Containers}}']));
    assert.deepEqual(Object.values(inNet).map((c) => (c as { Name: string }).Name).sort(), ['client', 'web']);
    const rm = await d.docker(['network', 'rm', 'webnet']);
    assert.match(rm.stderr, /error while removing network: network webnet id [0-9a-f]{64} has active endpoints/);
  });

  it('resolves a container by its --hostname too, as dockerd 20.10 (an alias after the short id)', async () => {
    // dockerd 20.10 (daemon updateNetworkConfig) appends the short id and the hostname to a
    // user-network endpoint's aliases: checked against a real dockerd, `nslookup` of another
    // container's --hostname answers, and inspect lists it; a label of it alone does not.
    await ok(d, ['run', '-d', '--name', 'named', '--hostname', 'db.internal-zone', '--network', 'webnet', 'busybox', ...httpdServing('by-hostname')]);
    const short = (await ok(d, ['inspect', 'named', '--format', '{{.Id}}'])).slice(0, 12);
    assert.deepEqual(JSON.parse(await ok(d, ['inspect', 'named', '--format', '{{json .NetworkSettings.Networks.webnet.Aliases}}'])), [short, 'db.internal-zone']);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'webnet', 'busybox', 'wget', '-qO-', 'http://db.internal-zone/']), 'by-hostname');
    // 127.0.0.1 as the upstream: nothing answers there, so an unknown name fails at once.
    const label = await d.docker(['run', '--rm', '--network', 'webnet', '--dns', '127.0.0.1', 'busybox', 'nslookup', '-type=a', 'db']);
    assert.doesNotMatch(label.stdout, /^Address: \d/m, 'only the whole hostname is a name (answers print "Address: ", the server line a tab)');
    // A network connected later gets the same aliases.
    await ok(d, ['network', 'create', 'hostnet2']);
    await ok(d, ['network', 'connect', 'hostnet2', 'named']);
    assert.deepEqual(JSON.parse(await ok(d, ['inspect', 'named', '--format', '{{json .NetworkSettings.Networks.hostnet2.Aliases}}'])), [short, 'db.internal-zone']);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'hostnet2', 'busybox', 'wget', '-qO-', 'http://db.internal-zone/']), 'by-hostname');
    // Kept after a stop; a container never started shows only the user's aliases (as dockerd).
    await ok(d, ['stop', '-t', '0', 'named']);
    assert.deepEqual(JSON.parse(await ok(d, ['inspect', 'named', '--format', '{{json .NetworkSettings.Networks.webnet.Aliases}}'])), [short, 'db.internal-zone']);
    await ok(d, ['create', '--name', 'unstarted', '--hostname', 'h1', '--network', 'webnet', '--network-alias', 'al1', 'busybox', 'true']);
    assert.equal(await ok(d, ['inspect', 'unstarted', '--format', '{{json .NetworkSettings.Networks.webnet.Aliases}}']), '["al1"]');
    await ok(d, ['rm', '-f', 'named', 'unstarted']);
    await ok(d, ['network', 'rm', 'hostnet2']);
  });

  it('forwards other names to the upstream resolvers (a fake one on loopback here)', async () => {
    const fake = dgram.createSocket('udp4');
    fake.on('message', (m, r) => {
      const q = dnsPacket.decode(m);
      const answers = q.questions?.[0]?.type === 'A' ? [{ type: 'A' as const, name: q.questions[0].name, ttl: 5, data: '10.88.77.66' }] : [];
      fake.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers }), r.port, r.address);
    });
    await new Promise<void>((r) => fake.bind(53, '127.0.0.154', () => r()));
    try {
      const out = await ok(d, ['run', '--rm', '--network', 'webnet', '--dns', '127.0.0.154', 'busybox', 'nslookup', '-type=a', 'outside.example']);
      assert.match(out, /Address: 10\.88\.77\.66/);
      const nx = await d.docker(['run', '--rm', '--network', 'webnet', 'busybox', 'nslookup', '-type=a', 'web']);
      assert.match(nx.stdout, /Address: \d+\.\d+\.\d+\.\d+/, 'container names still answered locally');
    } finally {
      fake.close();
    }
  });

  it('isolates networks from each other and from the default bridge', async () => {
    const ip = await ok(d, ['inspect', 'web', '--format', '{{.NetworkSettings.Networks.webnet.IPAddress}}']);
    const r = await d.docker(['run', '--rm', 'busybox', ...giveUpAfter3s(`http://${ip}/`)]);
    assert.notEqual(r.code, 0, 'the default bridge cannot reach a user network');
    const r2 = await d.docker(['run', '--rm', '--network', 'appnet', 'busybox', ...giveUpAfter3s(`http://${ip}/`)]);
    assert.notEqual(r2.code, 0, 'one user network cannot reach another');
  });

  it('connects and disconnects a running container with an alias and a static address', async () => {
    await ok(d, ['run', '-d', '--name', 'late', 'busybox', ...httpdServing('late-joiner')]);
    await ok(d, ['network', 'connect', '--alias', 'latecomer', '--ip', '10.231.7.9', 'appnet', 'late']);
    assert.match(await ok(d, ['exec', 'late', 'ip', '-o', '-4', 'addr']), /eth1\s+inet 10\.231\.7\.9\/24/);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://latecomer/']), 'late-joiner');
    const again = await d.docker(['network', 'connect', 'appnet', 'late']);
    assert.match(again.stderr, /endpoint with name late already exists in network appnet/);
    const taken = await d.docker(['run', '--rm', '--network', 'appnet', '--ip', '10.231.7.9', 'busybox', 'true']);
    assert.match(taken.stderr, /Address already in use/);
    await ok(d, ['network', 'disconnect', 'appnet', 'late']);
    assert.doesNotMatch(await ok(d, ['exec', 'late', 'ip', '-o', '-4', 'addr']), /eth1/);
    const not = await d.docker(['network', 'disconnect', 'appnet', 'late']);
    assert.match(not.stderr, /is not connected to network appnet/);
    const bad = await d.docker(['run', '--rm', '--ip', '10.9.9.9', 'busybox', 'true']);
    assert.match(bad.stderr, /user specified IP address is supported on user defined networks only/);
  });

  it('gives --network none, host and container:X their namespaces', async () => {
    const none = await ok(d, ['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
    assert.deepEqual(
      none.split('\n').map((l) => l.split(':')[1]?.trim()),
      ['lo'],
    );
    const hostIfs = await ok(d, ['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link']);
    assert.ok(hostIfs.split('\n').length > 1, 'the host interfaces are visible');
    const webIp = await ok(d, ['inspect', 'web', '--format', '{{.NetworkSettings.Networks.webnet.IPAddress}}']);
    const shared = await ok(d, ['run', '--rm', '--network', 'container:web', 'busybox', 'sh', '-c', 'ip -o -4 addr show eth0; hostname; wget -qO- http://127.0.0.1/']);
    assert.match(shared, new RegExp(`inet ${webIp.replace(/\./g, '\\.')}/`));
    assert.match(shared, /hello-web$/);
    const conflict = await d.docker(['run', '--rm', '--network', 'container:web', '-p', '81:81', 'busybox', 'true']);
    assert.match(conflict.stderr, /conflicting options: port publishing and the container type network mode/);
    await ok(d, ['create', '--name', 'idle', 'busybox', 'true']);
    const idle = await d.docker(['run', '--rm', '--network', 'container:idle', 'busybox', 'true']);
    assert.match(idle.stderr, /cannot join network of a non running container: [0-9a-f]{64}/);
    const missing = await d.docker(['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true']);
    assert.match(missing.stderr, /network nosuchnet not found/);
  });

  it('writes /etc/hosts and resolv.conf from --hostname, --add-host (host-gateway) and the --dns options', async () => {
    const gw = await ok(d, ['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}']);
    const out = await ok(d, [
      'run', '--rm', '--hostname', 'box.example.com', '--add-host', 'gw:host-gateway', '--add-host', 'db:10.1.2.3',
      '--dns', '10.0.0.53', '--dns-search', 'example.com', '--dns-option', 'ndots:2',
      'busybox', 'sh', '-c', 'tail -3 /etc/hosts; cat /etc/resolv.conf; hostname',
    ]);
    const [gwLine, dbLine, self, ...rest] = out.split('\n');
    assert.equal(gwLine, `${gw}\tgw`);
    assert.equal(dbLine, '10.1.2.3\tdb');
    assert.match(self!, /^\d+\.\d+\.\d+\.\d+\tbox\.example\.com box$/);
    assert.deepEqual(rest, ['search example.com', 'nameserver 10.0.0.53', 'options ndots:2', 'box.example.com']);
  });

  it('prunes unused networks only', async () => {
    await ok(d, ['network', 'create', 'unused']);
    const out = await ok(d, ['network', 'prune', '-f']);
    assert.match(out, /unused/);
    assert.match(out, /appnet/);
    assert.doesNotMatch(out, /webnet/, 'webnet has running containers');
    assert.equal(await ok(d, ['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}']), 'webnet');
  });
});
