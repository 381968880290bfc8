/** The bridge driver against the network driver conformance suite (real bridges, netns, iptables). */
import { randomBytes } from 'node:crypto';
import { type Cidr, formatCidr, parseIPv4, pickFreeSubnet } from '../../core/network/ipv4.js';
import { runNetworkDriverSuite } from '../../core/network/testsuite.js';
import { BridgeDriver } from './bridge-driver.js';
import { hostTakenPrefixes } from './host-facts.js';

runNetworkDriverSuite('bridge', async () => {
  const tag = randomBytes(3).toString('hex');
  const driver = new BridgeDriver({ tag });
  // Two /24s of 10.234.0.0/16 that nothing on the host uses (other tests' daemons included).
  const candidates: Cidr[] = Array.from({ length: 256 }, (_, i) => ({ base: parseIPv4(`10.234.${i}.0`)!, prefix: 24 }));
  const taken = await hostTakenPrefixes();
  const first = pickFreeSubnet(candidates, taken, Number.parseInt(tag, 16) % 256)!;
  const second = pickFreeSubnet(candidates, [...taken, first], Number.parseInt(tag, 16) % 256)!;
  return { driver, tag, netnsName: (id) => driver.netnsName(id), subnets: [formatCidr(first), formatCidr(second)] };
});
