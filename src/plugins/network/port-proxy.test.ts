/**
 * The userland proxy over real loopback sockets: TCP relays both ways with half-close, UDP
 * relays datagrams and replies per client, a port held by another socket fails with
 * EADDRINUSE, and a kernel-chosen port is reported.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startProxy } from './port-proxy.js';

let tcpEcho: net.Server;
let udpEcho: dgram.Socket;
let tcpPort = 0;
let udpPort = 0;

before(async () => {
  // Echoes upper-cased data and ends after the client ends (a half-close must arrive).
  tcpEcho = net.createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => s.end(Buffer.concat(chunks).toString().toUpperCase()));
  });
  await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', () => r()));
  tcpPort = (tcpEcho.address() as net.AddressInfo).port;
  udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (m, r) => udpEcho.send(Buffer.from(`echo:${m}`), r.port, r.address));
  await new Promise<void>((r) => udpEcho.bind(0, '127.0.0.1', () => r()));
  udpPort = udpEcho.address().port;
});

after(async () => {
  await new Promise((r) => tcpEcho.close(r));
  udpEcho.close();
});

describe('userland proxy', () => {
  it('relays TCP both ways, half-close included, on a kernel-chosen port', async () => {
    const p = await startProxy({ proto: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerIp: '127.0.0.1', containerPort: tcpPort });
    try {
      assert.ok(p.port > 0);
      const reply = await new Promise<string>((resolve, reject) => {
        const c = net.connect({ port: p.port, host: '127.0.0.1', allowHalfOpen: true });
        let out = '';
        c.on('data', (d) => (out += d));
        c.on('end', () => resolve(out));
        c.on('error', reject);
        c.end('hello through the proxy');
      });
      assert.equal(reply, 'HELLO THROUGH THE PROXY');
    } finally {
      await p.close();
    }
  });

  it('relays UDP datagrams and their replies', async () => {
    const p = await startProxy({ proto: 'udp', hostIp: '127.0.0.1', hostPort: 0, containerIp: '127.0.0.1', containerPort: udpPort });
    const client = dgram.createSocket('udp4');
    try {
      const reply = await new Promise<string>((resolve) => {
        client.on('message', (m) => resolve(m.toString()));
        client.send('ping', p.port, '127.0.0.1');
      });
      assert.equal(reply, 'echo:ping');
    } finally {
      client.close();
      await p.close();
    }
  });

  it('fails with EADDRINUSE on a port another socket holds', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '0.0.0.0', () => r()));
    const taken = (holder.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        startProxy({ proto: 'tcp', hostIp: '0.0.0.0', hostPort: taken, containerIp: '127.0.0.1', containerPort: tcpPort }),
        (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE',
      );
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });
});
