/**
 * The conformance suite every {@link NetworkDriver} passes, on the real kernel: bridges come up
 * idempotently, sandboxes get their endpoints (address, MAC, default route) and reach each
 * other over the bridge, endpoints join and leave live, the firewall holds exactly the desired
 * rules, and removal and sweeping leave no namespace, veth, bridge or chain behind.
 *
 * ```ts
 * runNetworkDriverSuite('bridge', async () => ({ driver, tag, netnsName: (id) => driver.netnsName(id) }));
 * ```
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { runCommand } from '../../lib/exec-file.js';
import { formatCidr, formatIPv4, macForIPv4, parseIPv4, parseSubnet } from './ipv4.js';
import type { EndpointRecord, NetworkDriver, NetworkRecord, SandboxRecord } from './network.js';

export interface DriverUnderTest {
  driver: NetworkDriver;
  /** The tag in the driver's chain and namespace names. */
  tag: string;
  netnsName(containerId: string): string;
  /** Two free /24 subnets for the suite's networks. */
  subnets: [string, string];
}

const sh = async (cmd: string, args: string[]) => (await runCommand(cmd, args, { check: false })).stdout;

function network(name: string, subnet: string, bridge: string): NetworkRecord {
  const s = parseSubnet(subnet);
  return {
    id: randomBytes(32).toString('hex'),
    name,
    driver: 'bridge',
    created: new Date().toISOString(),
    internal: false,
    attachable: false,
    kind: 'custom',
    labels: {},
    options: {},
    ipamOptions: {},
    ipamConfig: [],
    bridge: { name: bridge, subnet: formatCidr(s), gateway: formatIPv4(s.base + 1) },
  };
}

function endpoint(net: NetworkRecord, host: number, ifname: string): EndpointRecord {
  const s = parseSubnet(net.bridge!.subnet);
  const ip = s.base + host;
  const id = randomBytes(32).toString('hex');
  return {
    id,
    networkId: net.id,
    networkName: net.name,
    ifname,
    hostIf: `veth${id.slice(0, 7)}`,
    ip: formatIPv4(ip),
    prefixLen: s.prefix,
    gateway: net.bridge!.gateway,
    mac: macForIPv4(ip),
    ipamConfig: null,
    aliases: null,
    dnsNames: [],
  };
}

async function eventually(cond: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function runNetworkDriverSuite(name: string, make: () => Promise<DriverUnderTest>): void {
  describe(`NetworkDriver conformance: ${name}`, () => {
    let t: DriverUnderTest;
    let netA: NetworkRecord;
    let netB: NetworkRecord;
    const sandboxes: SandboxRecord[] = [];
    const sandbox = (ep: EndpointRecord): SandboxRecord => {
      const cid = randomBytes(32).toString('hex');
      const sb: SandboxRecord = { containerId: cid, id: cid, mode: 'bridge', netnsName: t.netnsName(cid), endpoints: [ep], ports: [] };
      sandboxes.push(sb);
      return sb;
    };

    after(async () => {
      for (const sb of sandboxes) await t.driver.removeSandbox(sb, { deleteLinks: true }).catch(() => undefined);
      for (const n of [netA, netB]) if (n) await t.driver.removeNetwork(n).catch(() => undefined);
      await t.driver.removeFirewall().catch(() => undefined);
    });

    it('brings a bridge up with its gateway address, idempotently', async () => {
      t = await make();
      netA = network('a', t.subnets[0], `wt${t.tag}a`);
      netB = network('b', t.subnets[1], `wt${t.tag}b`);
      await t.driver.ensureNetwork(netA);
      await t.driver.ensureNetwork(netA);
      await t.driver.ensureNetwork(netB);
      const addrs = await sh('ip', ['-4', '-o', 'addr', 'show', 'dev', netA.bridge!.name]);
      assert.equal(addrs.match(/inet /g)?.length, 1, addrs);
      assert.match(addrs, new RegExp(`inet ${netA.bridge!.gateway}/24`));
    });

    it('creates sandboxes whose endpoints reach each other over the bridge', async () => {
      const a = sandbox(endpoint(netA, 2, 'eth0'));
      const b = sandbox(endpoint(netA, 3, 'eth0'));
      for (const sb of [a, b]) await t.driver.createSandbox(sb, [{ ep: sb.endpoints[0]!, net: netA }]);
      const inside = await sh('ip', ['-n', a.netnsName!, '-o', 'link', 'show', 'eth0']);
      assert.match(inside, new RegExp(a.endpoints[0]!.mac));
      assert.match(await sh('ip', ['-n', a.netnsName!, 'route']), new RegExp(`default via ${netA.bridge!.gateway}`));
      const ping = await runCommand('ip', ['netns', 'exec', a.netnsName!, 'busybox', 'ping', '-c1', '-W2', b.endpoints[0]!.ip], { check: false });
      assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    });

    it('joins and leaves a second network live', async () => {
      const a = sandboxes[0]!;
      const ep = endpoint(netB, 2, 'eth1');
      await t.driver.join(a, ep, netB, false);
      assert.match(await sh('ip', ['-n', a.netnsName!, '-4', '-o', 'addr']), new RegExp(`eth1\\s+inet ${ep.ip}/`));
      await t.driver.leave(a, ep);
      assert.doesNotMatch(await sh('ip', ['-n', a.netnsName!, '-o', 'link']), /eth1/);
    });

    it('programs exactly the desired firewall rules, and replaces them', async () => {
      const b = sandboxes[1]!;
      const port = { proto: 'tcp' as const, hostIp: '0.0.0.0', hostPort: 39876, containerPort: 80, containerIp: b.endpoints[0]!.ip, bridge: netA.bridge!.name };
      await t.driver.programFirewall({ networks: [{ bridge: netA.bridge!.name, subnet: netA.bridge!.subnet, gateway: netA.bridge!.gateway, internal: false }], ports: [port] });
      const nat = await sh('iptables', ['-t', 'nat', '-S']);
      assert.match(nat, new RegExp(`--dport 39876 -j DNAT --to-destination ${port.containerIp}:80`));
      assert.match(nat, new RegExp(`-s ${netA.bridge!.subnet.replace('.', '\\.')} ! -o ${netA.bridge!.name} -j MASQUERADE`));
      await t.driver.programFirewall({ networks: [{ bridge: netA.bridge!.name, subnet: netA.bridge!.subnet, gateway: netA.bridge!.gateway, internal: false }], ports: [] });
      assert.doesNotMatch(await sh('iptables', ['-t', 'nat', '-S']), /--dport 39876/);
      const jumps = (await sh('iptables', ['-S', 'FORWARD'])).split('\n').filter((l) => l.includes(t.tag));
      assert.equal(jumps.length, 1, 'one jump from FORWARD');
    });

    it('removes sandboxes, sweeps strays, and leaves nothing after removal', async () => {
      const stray = t.netnsName(randomBytes(32).toString('hex'));
      await runCommand('ip', ['netns', 'add', stray]);
      const [a, b] = sandboxes;
      await t.driver.removeSandbox(a!);
      await t.driver.sweep({ netnsNames: new Set([b!.netnsName!]), hostIfs: new Set([b!.endpoints[0]!.hostIf]), bridges: [netA.bridge!.name] });
      const ns = await sh('ip', ['netns', 'list']);
      assert.ok(!ns.includes(stray) && !ns.includes(a!.netnsName!), ns);
      assert.ok(ns.includes(b!.netnsName!), 'a kept sandbox stays');
      await t.driver.removeSandbox(b!, { deleteLinks: true });
      await t.driver.removeNetwork(netA);
      await t.driver.removeNetwork(netB);
      await t.driver.removeFirewall();
      await eventually(async () => !(await sh('ip', ['-o', 'link'])).includes(`wt${t.tag}`), 'the bridges are gone');
      for (const table of ['filter', 'nat', 'raw']) assert.ok(!(await sh('iptables', ['-t', table, '-S'])).includes(t.tag), `no ${table} rule or chain left`);
      assert.ok(!(await sh('ip', ['netns', 'list'])).includes(t.tag), 'no namespace left');
      assert.equal(parseIPv4(netA.bridge!.gateway) !== undefined, true);
    });
  });
}
