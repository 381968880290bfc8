import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainNames, jumps, removalInput, restoreInput } from './firewall-rules.js';

describe('firewall rules', () => {
  const c = chainNames('abc123');
  const text = restoreInput(c, {
    networks: [
      { bridge: 'wh-abc123', subnet: '172.18.0.0/16', gateway: '172.18.0.1', internal: false },
      { bridge: 'br-1', subnet: '172.19.0.0/16', gateway: '172.19.0.1', internal: true },
    ],
    ports: [{ proto: 'udp', hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, containerIp: '172.18.0.2', bridge: 'wh-abc123' }],
  });
  const lines = text.split('\n');

  it('declares (and so empties) only our own chains, in both tables', () => {
    assert.deepEqual(
      lines.filter((l) => l.startsWith(':')),
      [':WHARF-FWD-abc123 - [0:0]', ':WHARF-ISO-abc123 - [0:0]', ':WHARF-DNAT-abc123 - [0:0]', ':WHARF-MASQ-abc123 - [0:0]', ':WHARF-RAW-abc123 - [0:0]'],
    );
    assert.ok(!/^-[AID] (FORWARD|INPUT|OUTPUT|PREROUTING|POSTROUTING|DOCKER)/m.test(text), 'never a rule in a chain of someone else');
  });

  it('isolates networks before accepting anything', () => {
    const firstAccept = lines.findIndex((l) => l.endsWith('-j ACCEPT'));
    const lastIso = lines.findLastIndex((l) => l.endsWith(`-j ${c.isolation}`));
    assert.ok(lastIso < firstAccept);
    assert.ok(lines.includes(`-A ${c.isolation} -o br-1 -j DROP`));
  });

  it('keeps internal networks to themselves and masquerades only the others', () => {
    assert.ok(lines.includes(`-A ${c.forward} -i br-1 -j DROP`));
    assert.ok(lines.includes(`-A ${c.masquerade} -s 172.18.0.0/16 ! -o wh-abc123 -j MASQUERADE`));
    assert.ok(!text.includes('-s 172.19.0.0/16'));
  });

  it('leaves loopback TCP to the userland proxy, before any DNAT', () => {
    const skip = lines.indexOf(`-A ${c.dnat} -d 127.0.0.0/8 -p tcp -j RETURN`);
    assert.ok(skip >= 0);
    assert.ok(skip < lines.findIndex((l) => l.includes('-j DNAT')));
  });

  it('carries loopback UDP through the kernel, and keeps containers off the host loopback', () => {
    assert.ok(lines.includes(`-A ${c.masquerade} -s 127.0.0.0/8 -o wh-abc123 -j SNAT --to-source 172.18.0.1`));
    assert.ok(lines.includes(`-A ${c.raw} -i wh-abc123 -d 127.0.0.0/8 -j DROP`));
    assert.ok(lines.includes(`-A ${c.raw} -i br-1 -d 127.0.0.0/8 -j DROP`));
    const output = jumps(c).find((j) => j.chain === 'OUTPUT')!;
    assert.ok(!output.rule.includes('127.0.0.0/8'), 'loopback destinations are DNATed too');
  });

  it('publishes ports with DNAT on the host address and a forward ACCEPT', () => {
    assert.ok(lines.includes(`-A ${c.dnat} -d 127.0.0.1/32 ! -i wh-abc123 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.18.0.2:53`));
    assert.ok(lines.includes(`-A ${c.forward} -d 172.18.0.2/32 ! -i wh-abc123 -o wh-abc123 -p udp -m udp --dport 53 -j ACCEPT`));
  });

  it('jumps from the built-in chains and removes its chains', () => {
    assert.deepEqual(
      jumps(c).map((j) => `${j.table}/${j.chain}`),
      ['filter/FORWARD', 'nat/PREROUTING', 'nat/OUTPUT', 'nat/POSTROUTING', 'raw/PREROUTING'],
    );
    assert.match(removalInput(c), /-X WHARF-MASQ-abc123/);
  });
});
