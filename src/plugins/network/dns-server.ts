/**
 * The embedded DNS server of a user network: answers A (and PTR) queries for the network's
 * containers — by name, alias, short id — and forwards every other query, unchanged, to the
 * upstream resolvers. Docker runs it on 127.0.0.11 inside each container's namespace; Node
 * cannot enter a namespace (no setns), so ours listens on the network's gateway address (UDP and
 * TCP 53) and containers get that address as their `nameserver`.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { DnsServer, DnsZone } from '../../core/network/network.js';


const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
/** Docker's embedded DNS answers with a TTL of 600 s. */
const TTL = 600;
const FORWARD_TIMEOUT_MS = 2000;

/** `1.2.3.4` from `4.3.2.1.in-addr.arpa`, else undefined. */
function ptrAddress(name: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : undefined;
}

/** The local answer to a query, or undefined when it must be forwarded. */
export function answerLocally(query: dnsPacket.DecodedPacket, zone: DnsZone): Buffer | undefined {
  const q = query.questions?.[0];
  if (!q || query.questions!.length !== 1) return undefined;
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const base = { type: 'response' as const, id: query.id, flags: (query.flags ?? 0) | dnsPacket.RECURSION_AVAILABLE, questions: query.questions };
  if (q.type === 'PTR') {
    const ip = ptrAddress(name);
    const target = ip ? zone.reverse(ip) : undefined;
    if (!target) return undefined;
    return dnsPacket.encode({ ...base, answers: [{ type: 'PTR', name: q.name, ttl: TTL, data: target }] });
  }
  const ips = zone.lookup(name);
  if (!ips) return undefined;
  // A known name without an IPv6 address: an empty NOERROR answer, as Docker gives.
  const answers = q.type === 'A' ? ips.map((ip) => ({ type: 'A' as const, name: q.name, ttl: TTL, data: ip })) : [];
  return dnsPacket.encode({ ...base, answers });
}

/** An error response (rcode) for a raw query, keeping its id and question. */
function failure(raw: Buffer, rcode: number): Buffer | undefined {
  try {
    const q = dnsPacket.decode(raw);
    return dnsPacket.encode({ type: 'response', id: q.id, flags: ((q.flags ?? 0) & ~0xf) | dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions });
  } catch {
    return undefined;
  }
}

/** Sends the raw query to each upstream in turn over UDP; the first to answer wins. */
async function forward(raw: Buffer, upstreams: string[]): Promise<Buffer | undefined> {
  for (const up of upstreams) {
    const [host, port] = up.includes(':') ? [up.slice(0, up.lastIndexOf(':')), Number(up.slice(up.lastIndexOf(':') + 1))] : [up, 53];
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const s = dgram.createSocket('udp4');
      const timer = setTimeout(() => done(undefined), FORWARD_TIMEOUT_MS);
      const done = (b: Buffer | undefined) => {
        clearTimeout(timer);
        s.close();
        resolve(b);
      };
      s.on('error', () => done(undefined));
      s.on('message', (m) => done(m));
      // Connected: an upstream that is down answers ICMP port-unreachable, which a connected
      // socket reports at once (ECONNREFUSED), so the next upstream is asked without a timeout.
      s.connect(port, host, () => s.send(raw, (err) => err && done(undefined)));
    });
    if (reply) return reply;
  }
  return undefined;
}

/** Answers one raw query: locally, by forwarding, or with NXDOMAIN/SERVFAIL. */
export async function resolveQuery(raw: Buffer, zone: DnsZone, client: string): Promise<Buffer | undefined> {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(raw);
  } catch {
    return undefined;
  }
  const local = answerLocally(query, zone);
  if (local) return local;
  const upstreams = zone.upstreams(client);
  if (!upstreams.length) return failure(raw, RCODE_NXDOMAIN);
  return (await forward(raw, upstreams)) ?? failure(raw, RCODE_SERVFAIL);
}

/** TCP DNS: 2-byte length-prefixed messages on one connection. */
function serveTcp(sock: net.Socket, zone: DnsZone): void {
  let buf = Buffer.alloc(0);
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
      buf = buf.subarray(2 + msg.length);
      void resolveQuery(Buffer.from(msg), zone, sock.remoteAddress ?? '').then((reply) => {
        if (!reply || sock.destroyed) return;
        const len = Buffer.alloc(2);
        len.writeUInt16BE(reply.length);
        sock.write(Buffer.concat([len, reply]));
      });
    }
  });
}

/** Listens on `address` port `port` (UDP and TCP). Rejects when either cannot bind. */
export async function startDnsServer(address: string, zone: DnsZone, port = 53): Promise<DnsServer> {
  const udp = dgram.createSocket({ type: 'udp4' });
  udp.on('message', (msg, rinfo) => {
    void resolveQuery(msg, zone, rinfo.address).then((reply) => {
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
  });
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    serveTcp(s, zone);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind({ address, port }, () => {
      udp.off('error', reject);
      udp.on('error', () => undefined);
      resolve();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: address, port }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    udp.close();
    throw err;
  }
  return {
    close: () =>
      new Promise<void>((resolve) => {
        udp.close();
        for (const c of conns) c.destroy();
        tcp.close(() => resolve());
      }),
  };
}
