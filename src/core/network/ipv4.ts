/**
 * IPv4 addresses and CIDR prefixes as plain numbers: parsing with Docker's messages, overlap and
 * containment tests, and the free-subnet choice both the default bridge and `network create`
 * make. Pure functions; every host fact (routes, addresses) comes in as arguments.
 */
import { invalidArgument } from '../../errdefs/index.js';

/** A CIDR prefix: `base` has no host bits set. */
export interface Cidr {
  base: number;
  prefix: number;
}

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted quad; undefined when it is not one (Go's net.ParseIP rejects leading zeros too). */
export function parseIPv4(s: string): number | undefined {
  const m = QUAD.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (const part of m.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The netmask of a prefix length as a number (0 for /0). */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Number of addresses in a prefix. */
export function sizeOf(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** Parses `a.b.c.d/n` with host bits set or not (moby's ParseCIDR keeps both: the IP and the network). */
export function parseCidrLoose(s: string): { ip: number; net: Cidr } | undefined {
  const i = s.indexOf('/');
  if (i < 0) return undefined;
  const ip = parseIPv4(s.slice(0, i));
  const ps = s.slice(i + 1);
  if (ip === undefined || !/^\d{1,2}$/.test(ps)) return undefined;
  const prefix = Number(ps);
  if (prefix > 32) return undefined;
  return { ip, net: { base: (ip & maskOf(prefix)) >>> 0, prefix } };
}

/**
 * A subnet as `network create --subnet` takes it: InvalidArgument `invalid CIDR address: X` when
 * it does not parse; host bits must be clear, as libnetwork's IPAM requires.
 */
export function parseSubnet(s: string): Cidr {
  const p = parseCidrLoose(s);
  if (!p) throw invalidArgument(`invalid CIDR address: ${s}`);
  if (p.ip !== p.net.base) throw invalidArgument(`invalid subnet ${s} : it should be ${formatCidr(p.net)}`);
  return p.net;
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

/** Whether `ip` lies in `c`. */
export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.base;
}

/** Whether two prefixes share an address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const m = maskOf(p);
  return ((a.base & m) >>> 0) === ((b.base & m) >>> 0);
}

/** Whether `inner` lies entirely in `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.base);
}

/**
 * Docker's local address pools, minus 172.17.0.0/16 (docker0's usual subnet, which a Docker on
 * the same host would take): 172.18–31.0.0/16, then 192.168.0.0/16 in /20s.
 */
export function defaultPoolCandidates(): Cidr[] {
  const out: Cidr[] = [];
  for (let b = 18; b <= 31; b++) out.push({ base: parseIPv4(`172.${b}.0.0`)!, prefix: 16 });
  for (let c = 0; c < 256; c += 16) out.push({ base: parseIPv4(`192.168.${c}.0`)!, prefix: 20 });
  return out;
}

/**
 * The first candidate, starting at index `start` and wrapping around, that overlaps none of
 * `taken` (host routes, host addresses' prefixes, resolvers, the engine's own networks), or
 * undefined when all are taken. A daemon-specific `start` keeps daemons that start at the same
 * moment on one host from racing for the same subnet.
 */
export function pickFreeSubnet(candidates: readonly Cidr[], taken: readonly Cidr[], start = 0): Cidr | undefined {
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[(start + i) % candidates.length]!;
    if (!taken.some((t) => cidrOverlaps(c, t))) return c;
  }
  return undefined;
}

/** The MAC Docker derives from an IPv4 address: 02:42 and the four address bytes. */
export function macForIPv4(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
