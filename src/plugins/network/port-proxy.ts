/**
 * The in-daemon userland proxy (Docker's docker-proxy): one listener per published port on the
 * host address, relaying to the container's address. The daemon uses it for UDP, and for TCP only
 * when the wharf-proxy binary is missing (native-port-proxy.ts). DNAT rules carry the traffic from
 * other hosts and from the host itself (loopback UDP included, see firewall-rules.ts); what
 * arrives here is what DNAT deliberately skips — containers reaching a published port through a
 * host address, and TCP at 127.0.0.1 — and the bound listener is what reserves the host port: a
 * port held by another process fails here, before any rule exists.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { PortProxy, ProxyTarget } from '../../core/network/network.js';


/** How long a UDP flow without traffic keeps its upstream socket (docker-proxy's 90 s). */
const UDP_IDLE_MS = 90_000;

/** Starts a TCP or UDP proxy; rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL…). */
export function startProxy(t: ProxyTarget): Promise<PortProxy> {
  return t.proto === 'tcp' ? startTcp(t) : startUdp(t);
}

/** Size of the buffer each upstream connection reads into (reused for every read). */
const RELAY_BUFFER = 256 * 1024;

/**
 * Relays container → client through one reused buffer per connection: a fresh 64 KiB buffer
 * per read (what `pipe` does) is external memory that makes V8 run full collections over the
 * daemon's whole heap, which took most of the proxy's time. Reading pauses until the client
 * socket has taken the bytes (the write callback), so the buffer is never overwritten early.
 */
function connectUpstream(t: ProxyTarget, client: net.Socket): net.Socket {
  const buffer = Buffer.allocUnsafe(RELAY_BUFFER);
  const upstream: net.Socket = net.connect({
    host: t.containerIp,
    port: t.containerPort,
    allowHalfOpen: true,
    noDelay: true,
    onread: {
      buffer,
      callback: (n: number, buf: Uint8Array) => {
        client.write(buf.subarray(0, n), () => upstream.resume());
        return false;
      },
    },
  });
  upstream.on('end', () => client.end());
  return upstream;
}

function startTcp(t: ProxyTarget): Promise<PortProxy> {
  const conns = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = connectUpstream(t, client);
    conns.add(client).add(upstream);
    // Client → container (requests, uploads): pipe() carries the half-close and back-pressure.
    client.pipe(upstream);
    // An error on either side aborts both; a container that closes lets the client finish
    // reading (end, not destroy); a client that goes away takes the upstream with it.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      conns.delete(upstream);
      client.end();
    });
    client.on('close', () => {
      conns.delete(client);
      upstream.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // exclusive: a port is reserved for one container even in a cluster-less daemon.
    server.listen({ host: t.hostIp, port: t.hostPort, exclusive: true }, () => {
      server.off('error', reject);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const c of conns) c.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function startUdp(t: ProxyTarget): Promise<PortProxy> {
  const sock = dgram.createSocket({ type: 'udp4' });
  // One upstream socket per client address, so replies find their way back.
  const flows = new Map<string, { up: dgram.Socket; timer: NodeJS.Timeout; queue?: Buffer[] }>();
  const forget = (key: string) => {
    const f = flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.up.close();
    flows.delete(key);
  };
  sock.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let f = flows.get(key);
    if (!f) {
      const up = dgram.createSocket({ type: 'udp4' });
      const flow: { up: dgram.Socket; timer: NodeJS.Timeout; queue?: Buffer[] } = { up, timer: setTimeout(() => forget(key), UDP_IDLE_MS), queue: [] };
      up.on('message', (reply) => sock.send(reply, rinfo.port, rinfo.address));
      up.on('error', () => forget(key));
      // Datagrams that arrive before the upstream socket is connected wait for it.
      up.connect(t.containerPort, t.containerIp, () => {
        for (const m of flow.queue ?? []) up.send(m);
        flow.queue = undefined;
      });
      flows.set(key, flow);
      f = flow;
    }
    f.timer.refresh();
    if (f.queue) f.queue.push(msg);
    else f.up.send(msg);
  });
  sock.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: t.hostIp, port: t.hostPort, exclusive: true }, () => {
      sock.off('error', reject);
      resolve({
        port: sock.address().port,
        close: () =>
          new Promise<void>((done) => {
            for (const key of [...flows.keys()]) forget(key);
            sock.close(() => done());
          }),
      });
    });
  });
}
