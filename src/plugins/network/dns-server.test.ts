/**
 * The embedded DNS server over real sockets on loopback: local A and PTR answers, empty AAAA
 * for known names, forwarding to an upstream (a fake resolver on another loopback address),
 * NXDOMAIN without upstreams, and the same over TCP.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { DnsServer, DnsZone } from '../../core/network/network.js';
import { startDnsServer } from './dns-server.js';

const ADDR = '127.0.0.211';
let server: DnsServer;
let upstream: dgram.Socket;
let upstreamPort = 0;
let forwardTo: string[] = [];

const zone: DnsZone = {
  lookup: (name) => (name === 'web' || name === 'web.net1' ? ['10.9.0.2'] : undefined),
  reverse: (ip) => (ip === '10.9.0.2' ? 'web.net1' : undefined),
  upstreams: () => forwardTo,
};

/** A resolver asking our server (UDP, or TCP when `tcp`). */
function resolver(port: number): Resolver {
  const r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([`${ADDR}:${port}`]);
  return r;
}

let port = 0;

before(async () => {
  // A fake upstream that answers every A query with 10.77.0.1.
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (m, r) => {
    const q = dnsPacket.decode(m);
    const answers = q.questions?.[0]?.type === 'A' ? [{ type: 'A' as const, name: q.questions[0].name, ttl: 5, data: '10.77.0.1' }] : [];
    upstream.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers }), r.port, r.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.212', () => resolve()));
  upstreamPort = upstream.address().port;
  // Any free port (the daemon uses 53): bind UDP at 0, then reuse its number for both.
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, ADDR, () => resolve()));
  port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  server = await startDnsServer(ADDR, zone, port);
});

after(async () => {
  await server?.close();
  upstream?.close();
});

describe('embedded DNS server', () => {
  it('answers A queries for the zone, with and without the network suffix', async () => {
    forwardTo = [];
    assert.deepEqual(await resolver(port).resolve4('web'), ['10.9.0.2']);
    assert.deepEqual(await resolver(port).resolve4('WEB.net1.'), ['10.9.0.2']);
  });

  it('answers PTR for the zone and an empty AAAA for its names', async () => {
    assert.deepEqual(await resolver(port).reverse('10.9.0.2'), ['web.net1']);
    await assert.rejects(resolver(port).resolve6('web'), (e: NodeJS.ErrnoException) => e.code === 'ENODATA');
  });

  it('says NXDOMAIN for other names when it has no upstream', async () => {
    forwardTo = [];
    await assert.rejects(resolver(port).resolve4('elsewhere.test'), (e: NodeJS.ErrnoException) => e.code === 'ENOTFOUND');
  });

  it('forwards other names to the upstream, skipping one that does not answer', async () => {
    forwardTo = ['127.0.0.213:9', `127.0.0.212:${upstreamPort}`];
    assert.deepEqual(await resolver(port).resolve4('elsewhere.test'), ['10.77.0.1']);
  });

  it('answers over TCP too', async () => {
    const net = await import('node:net');
    const sock = net.connect(port, ADDR);
    const query = dnsPacket.streamEncode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'web' }] });
    const reply = await new Promise<Buffer>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) resolve(buf);
      });
      sock.on('error', reject);
      sock.write(query);
    });
    sock.destroy();
    const decoded = dnsPacket.streamDecode(reply);
    assert.equal(decoded.id, 7);
    assert.deepEqual(
      decoded.answers?.map((a) => ('data' in a ? a.data : undefined)),
      ['10.9.0.2'],
    );
  });
});
