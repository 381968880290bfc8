import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { AddressPool } from './address-pool.js';
import {
  cidrOverlaps,
  cidrWithin,
  defaultPoolCandidates,
  formatCidr,
  formatIPv4,
  macForIPv4,
  parseCidrLoose,
  parseIPv4,
  parseSubnet,
  pickFreeSubnet,
} from './ipv4.js';

describe('IPv4 helpers', () => {
  it('parses dotted quads strictly', () => {
    assert.equal(parseIPv4('172.18.0.1'), 0xac120001);
    assert.equal(formatIPv4(0xac120001), '172.18.0.1');
    for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '']) assert.equal(parseIPv4(bad), undefined, bad);
  });

  it('parses subnets with Docker messages', () => {
    assert.equal(formatCidr(parseSubnet('10.1.0.0/16')), '10.1.0.0/16');
    assert.throws(() => parseSubnet('10.1.0.0'), /invalid CIDR address: 10.1.0.0/);
    assert.throws(() => parseSubnet('10.1.0.1/16'), /invalid subnet 10.1.0.1\/16 : it should be 10.1.0.0\/16/);
    assert.deepEqual(parseCidrLoose('10.200.0.1/24')?.ip, parseIPv4('10.200.0.1'));
  });

  it('tells overlap and containment', () => {
    const a = parseSubnet('172.18.0.0/16');
    assert.ok(cidrOverlaps(a, parseSubnet('172.18.5.0/24')));
    assert.ok(cidrOverlaps(parseSubnet('172.18.5.0/24'), a));
    assert.ok(!cidrOverlaps(a, parseSubnet('172.19.0.0/16')));
    assert.ok(cidrWithin(parseSubnet('172.18.5.0/24'), a));
    assert.ok(!cidrWithin(a, parseSubnet('172.18.5.0/24')));
  });

  it('picks the first free pool subnet from a start index, skipping docker0 and taken prefixes', () => {
    const cands = defaultPoolCandidates();
    assert.equal(formatCidr(cands[0]!), '172.18.0.0/16');
    assert.ok(!cands.some((c) => formatCidr(c) === '172.17.0.0/16'));
    const taken = [parseSubnet('172.18.0.0/16'), { base: parseIPv4('172.19.3.4')!, prefix: 32 }];
    assert.equal(formatCidr(pickFreeSubnet(cands, taken)!), '172.20.0.0/16');
    assert.equal(formatCidr(pickFreeSubnet(cands, [], 3)!), '172.21.0.0/16');
    assert.equal(pickFreeSubnet(cands, [{ base: 0, prefix: 0 }]), undefined);
  });

  it("derives Docker's MAC from the address", () => {
    assert.equal(macForIPv4(parseIPv4('172.17.0.2')!), '02:42:ac:11:00:02');
  });
});

describe('AddressPool', () => {
  const subnet = parseSubnet('10.5.0.0/29');

  it('hands out the lowest free address, never the network, gateway or broadcast', () => {
    const pool = new AddressPool(subnet, parseIPv4('10.5.0.1')!);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => pool.allocate()), ['10.5.0.2', '10.5.0.3', '10.5.0.4', '10.5.0.5', '10.5.0.6']);
    assert.throws(() => pool.allocate(), (e) => isKind(e, 'Unavailable'));
    pool.release('10.5.0.3');
    assert.equal(pool.allocate(), '10.5.0.3');
  });

  it('takes static addresses anywhere in the subnet, with libnetwork messages', () => {
    const pool = new AddressPool(subnet, parseIPv4('10.5.0.1')!, parseSubnet('10.5.0.4/30'));
    assert.equal(pool.allocate('10.5.0.2'), '10.5.0.2');
    assert.throws(() => pool.allocate('10.5.0.2'), (e) => isKind(e, 'Forbidden') && /Address already in use/.test((e as Error).message));
    assert.throws(() => pool.allocate('10.5.0.1'), /Address already in use/);
    // dockerd answers 500 for this libnetwork error.
    assert.throws(() => pool.allocate('10.6.0.2'), (e) => isKind(e, 'Internal') && /Invalid address 10.6.0.2: It does not belong to any of this network's subnets/.test((e as Error).message));
    assert.throws(() => pool.allocate('10.5.0.x'), /invalid IPv4 address: 10.5.0.x/);
    // Dynamic addresses come from the range only.
    assert.equal(pool.allocate(), '10.5.0.4');
    assert.ok(pool.claim('10.5.0.6'));
    assert.ok(!pool.claim('10.5.0.6'), 'a claimed address cannot be claimed twice');
    assert.equal(pool.size, 3);
  });
});
