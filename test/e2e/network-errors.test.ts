/**
 * Bad networking input (issue 5, section 5) against a private wharfd: each case gets dockerd
 * 20.10's status and message (checked against a real dockerd, see the table below) and leaves
 * nothing half-made — no namespace, veth, bridge, rule or listener, no address kept from the
 * pool, no endpoint in `network inspect`.
 *
 * | input | status | message (dockerd 20.10) |
 * | --- | --- | --- |
 * | PortBindings `99999` / `8x` | 400 at create | invalid port specification: "99999" |
 * | host port held by another process | 500 at start | driver failed programming external connectivity on endpoint N (ID): Error starting userland proxy: listen tcp4 0.0.0.0:P: bind: address already in use |
 * | overlapping subnet | 403 | Pool overlaps with other one on this address space |
 * | rm of a network with containers | 403 | error while removing network: network N id ID has active endpoints |
 * | `--ip` outside the subnet | 500 at start / connect | Invalid address X: It does not belong to any of this network's subnets |
 * | unknown network | 404 at start / connect | network N not found |
 * | gateway outside / bad subnet | 500 | failed to allocate gateway (X): Requested address is out of range / Invalid subnet S : invalid CIDR address: S |
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { formatCidr, formatIPv4, parseIPv4, pickFreeSubnet } from '../../src/core/network/ipv4.js';
import { hostTakenPrefixes } from '../../src/plugins/network/host-facts.js';
import { run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';
import { api, defaultBridgeOf, eventually, freePort, type HostObjects, hostObjectsOf, listenersOf, ok, portHeld } from './network.fixture.js';

after(cleanupFixture);

describe('bad networking input', () => {
  let d: TestDaemon;
  let bridges: string[];
  /** errnet's subnet prefix (`10.233.N.`): a /24 no host route uses, as other daemons run here too. */
  let sub: string;
  before(async () => {
    d = await startDaemonWithBusybox();
    const cands = Array.from({ length: 256 }, (_, i) => ({ base: parseIPv4(`10.233.${i}.0`)!, prefix: 24 }));
    const free = pickFreeSubnet(cands, await hostTakenPrefixes(), randomInt(256))!;
    sub = formatIPv4(free.base).replace(/0$/, '');
    await ok(d, ['network', 'create', '--subnet', formatCidr(free), 'errnet']);
    const id = await ok(d, ['network', 'inspect', 'errnet', '--format', '{{.Id}}']);
    bridges = [await defaultBridgeOf(d), `br-${id.slice(0, 12)}`];
  });
  after(async () => {
    await removeAllContainers(d);
    await d.docker(['network', 'prune', '-f']);
    await d.destroy();
  });

  /** What exists of the daemon on the host and in its view, to compare before and after. */
  async function snapshot(): Promise<{ host: HostObjects; listeners: string[]; networks: string; endpoints: string }> {
    return {
      host: await hostObjectsOf(d, bridges),
      listeners: await listenersOf(d.proc.pid!),
      networks: await ok(d, ['network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}}']),
      endpoints: await ok(d, ['network', 'inspect', 'bridge', 'errnet', '--format', '{{json .Containers}}']),
    };
  }

  /** Creates a container through the API; returns its id. */
  async function create(name: string, body: Record<string, unknown>): Promise<string> {
    const r = await api(d, 'POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['sleep', '300'], ...body });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json.Id as string;
  }

  /** Starts `name` expecting a failure; asserts status, message and the container left created (128). */
  async function failsToStart(name: string, status: number, message: RegExp | string): Promise<void> {
    const r = await api(d, 'POST', `/containers/${name}/start`);
    assert.equal(r.status, status, JSON.stringify(r.json));
    if (typeof message === 'string') assert.equal(r.json.message, message);
    else assert.match(r.json.message ?? '', message);
    assert.equal(await ok(d, ['inspect', name, '--format', '{{.State.Status}} {{.State.ExitCode}}']), 'created 128');
  }

  it('refuses invalid port specs at create (400), in the CLI and the API', async () => {
    const before = await snapshot();
    for (const [hostPort, key, bad] of [['99999', '80/tcp', '99999'], ['1', '8x/tcp', '8x'], ['1-x', '80/tcp', '1-x']] as const) {
      const r = await api(d, 'POST', '/containers/create', { Image: 'busybox', HostConfig: { PortBindings: { [key]: [{ HostPort: hostPort }] } } });
      assert.deepEqual([r.status, r.json.message], [400, `invalid port specification: "${bad}"`]);
    }
    const cli = await d.docker(['run', '--rm', '-p', 'abc:80', 'busybox', 'true']);
    assert.deepEqual([cli.code, cli.stderr.split('\n')[0]], [125, 'docker: invalid hostPort: abc']);
    assert.equal(await ok(d, ['ps', '-aq']), '', 'no container was created');
    assert.deepEqual(await snapshot(), before);
  });

  it('fails a start whose second host port another process holds (500), closing the first port too', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', () => r()));
    const held = (server.address() as net.AddressInfo).port;
    const first = await freePort();
    try {
      const id = await create('porttaken', { HostConfig: { PortBindings: { '80/tcp': [{ HostPort: String(first) }], '81/tcp': [{ HostPort: String(held) }] } } });
      const before = await snapshot();
      const msg = `driver failed programming external connectivity on endpoint porttaken \\([0-9a-f]{64}\\): Error starting userland proxy: listen tcp4 0\\.0\\.0\\.0:${held}: bind: address already in use`;
      await failsToStart('porttaken', 500, new RegExp(`^${msg}$`));
      assert.ok(id);
      assert.deepEqual(await snapshot(), before);
      assert.ok(!(await portHeld(first)), 'the first port is not left listening');
      assert.equal(await ok(d, ['inspect', 'porttaken', '--format', '{{json .NetworkSettings.Ports}}']), '{}');
    } finally {
      await new Promise((r) => server.close(r));
    }
    // With the port free, the same container starts.
    await ok(d, ['start', 'porttaken']);
    assert.equal(await ok(d, ['port', 'porttaken', '81']), `0.0.0.0:${held}`);
    await ok(d, ['rm', '-f', 'porttaken']);
  });

  it('refuses an overlapping subnet (403) and bad IPAM settings (500) without making a bridge', async () => {
    const before = await snapshot();
    // Bridges holding a gateway address one of the attempts below would give its bridge (a count
    // of all bridges would also see those other test daemons make meanwhile, and user networks'
    // `br-<id>` names carry no tag). errnet's own `${sub}1/24` is there before and after.
    const gateways = new Set(['10.233.0.1/16', `${sub}129/25`, '10.234.5.1/24', '10.234.6.1/24', `${sub}1/24`]);
    const links = async () =>
      (await run('ip', ['-o', '-4', 'addr', 'show', 'type', 'bridge'])).stdout
        .split('\n')
        .filter((l) => gateways.has(/ inet (\S+)/.exec(l)?.[1] ?? ''))
        .map((l) => l.split(/\s+/).slice(1, 4).join(' '))
        .sort();
    const bridgesBefore = await links();
    const cases: Array<[unknown, number, string]> = [
      [{ Subnet: '10.233.0.0/16' }, 403, 'Pool overlaps with other one on this address space'],
      [{ Subnet: `${sub}128/25` }, 403, 'Pool overlaps with other one on this address space'],
      [{ Subnet: '10.234.5.0/24', Gateway: '10.234.6.1' }, 500, 'failed to allocate gateway (10.234.6.1): Requested address is out of range'],
      [{ Subnet: '10.234.5.0/33' }, 500, 'Invalid subnet 10.234.5.0/33 : invalid CIDR address: 10.234.5.0/33'],
    ];
    for (const [cfg, status, message] of cases) {
      const r = await api(d, 'POST', '/networks/create', { Name: 'clash', IPAM: { Config: [cfg] } });
      assert.deepEqual([r.status, r.json.message], [status, message], JSON.stringify(cfg));
    }
    const cli = await d.docker(['network', 'create', '--subnet', `${sub}0/24`, 'clash']);
    assert.deepEqual([cli.code, cli.stderr], [1, 'Error response from daemon: Pool overlaps with other one on this address space\n']);
    assert.deepEqual(await links(), bridgesBefore, 'no bridge was made');
    assert.deepEqual(await snapshot(), before);
  });

  it('refuses to remove a network with containers attached (403), which keeps working', async () => {
    await ok(d, ['run', '-d', '--name', 'member', '--network', 'errnet', 'busybox', 'sleep', '300']);
    const id = await ok(d, ['network', 'inspect', 'errnet', '--format', '{{.Id}}']);
    const before = await snapshot();
    const r = await api(d, 'DELETE', '/networks/errnet');
    assert.deepEqual([r.status, r.json.message], [403, `error while removing network: network errnet id ${id} has active endpoints`]);
    const cli = await d.docker(['network', 'rm', 'errnet']);
    assert.equal(cli.code, 1);
    assert.equal(cli.stderr.split('\n')[0], `Error response from daemon: error while removing network: network errnet id ${id} has active endpoints`);
    assert.deepEqual(await snapshot(), before);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'errnet', 'busybox', 'sh', '-c', 'ping -c1 -W2 member >/dev/null && echo reached']), 'reached');
    await ok(d, ['rm', '-f', 'member']);
  });

  it('fails a start or a connect with --ip outside the subnet (500), taking no address', async () => {
    await create('ipout', { HostConfig: { NetworkMode: 'errnet' }, NetworkingConfig: { EndpointsConfig: { errnet: { IPAMConfig: { IPv4Address: '10.99.0.5' } } } } });
    await ok(d, ['run', '-d', '--name', 'runner', 'busybox', 'sleep', '300']);
    const before = await snapshot();
    await failsToStart('ipout', 500, "Invalid address 10.99.0.5: It does not belong to any of this network's subnets");
    const c = await api(d, 'POST', '/networks/errnet/connect', { Container: 'runner', EndpointConfig: { IPAMConfig: { IPv4Address: '10.99.0.6' } } });
    assert.deepEqual([c.status, c.json.message], [500, "Invalid address 10.99.0.6: It does not belong to any of this network's subnets"]);
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual((await ok(d, ['exec', 'runner', 'ls', '/sys/class/net'])).split(/\s+/).sort(), ['eth0', 'lo']);
    assert.equal(await ok(d, ['inspect', 'runner', '--format', '{{len .NetworkSettings.Networks}}']), '1');
    const cli = await d.docker(['run', '--rm', '--network', 'errnet', '--ip', '10.99.0.7', 'busybox', 'true']);
    assert.match(cli.stderr, /^docker: Error response from daemon: Invalid address 10\.99\.0\.7: It does not belong to any of this network's subnets\.?\n/);
    // No address was taken: a container on errnet gets the pool's first address again (once the
    // earlier member's namespace, removed in the background, has given its address back).
    const probe = async () => new RegExp(`inet ${sub.replace(/\./g, '\\.')}2/`).test(await ok(d, ['run', '--rm', '--network', 'errnet', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']));
    await eventually(probe, 'errnet hands out its first address', 15_000);
    await ok(d, ['rm', '-f', 'ipout', 'runner']);
  });

  it('fails a start on an unknown network (404) and a connect to one', async () => {
    await create('lost', { HostConfig: { NetworkMode: 'nosuchnet' } });
    await ok(d, ['run', '-d', '--name', 'runner2', 'busybox', 'sleep', '300']);
    const before = await snapshot();
    await failsToStart('lost', 404, 'network nosuchnet not found');
    for (const action of ['connect', 'disconnect']) {
      const r = await api(d, 'POST', `/networks/nosuchnet/${action}`, { Container: 'runner2' });
      assert.deepEqual([r.status, r.json.message], [404, 'network nosuchnet not found']);
    }
    const cli = await d.docker(['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true']);
    assert.match(cli.stderr, /^docker: Error response from daemon: network nosuchnet not found\.?\n/);
    assert.deepEqual(await snapshot(), before);
    await ok(d, ['rm', '-f', 'lost', 'runner2']);
  });
});
