/**
 * The daemon's insecure-registry policy, decided as dockerd's registry service does
 * (moby registry/config.go, `LoadInsecureRegistries` and `isSecureIndex`):
 * - `--insecure-registry` entries are index names (`host[:port]`, matched exactly as written in
 *   the image reference) or CIDRs; `127.0.0.0/8` is always appended to the CIDRs;
 * - a registry named in a reference is insecure if its name is a listed index, or if any address
 *   its host resolves to lies in one of the CIDRs — so `localhost:5000`, or any name resolving to
 *   a loopback address, is insecure without a flag, and so is a name resolving into a listed CIDR.
 * One deviation, on the permissive side and only for loopback: `::1` is insecure too (dockerd's
 * default CIDR is IPv4 only), since plain HTTP on the host's own loopback exposes nothing.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { invalidArgument } from '../../errdefs/index.js';
import type { SystemInfo } from '../../spec/engine/types.js';
import { DOCKER_HUB_HOST, splitHostPort } from './registry-endpoint.js';

/** `/info`'s RegistryConfig, as dockerd reports it. */
export type RegistryServiceConfig = NonNullable<SystemInfo['RegistryConfig']>;

/** Resolves a host name to its addresses (all families); injectable for tests. */
export type HostResolver = (host: string) => Promise<string[]>;

/** The loopback block dockerd always treats as insecure. */
export const LOOPBACK_CIDR = '127.0.0.0/8';

interface Cidr {
  /** Go's `IPNet.String()`: the network address (host bits cleared) and prefix length. */
  text: string;
  family: 'ipv4' | 'ipv6';
  block: net.BlockList;
}

const systemResolver: HostResolver = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * The insecure-registry list of one daemon. {@link check} resolves host names (and caches what it
 * learned for the daemon's lifetime); {@link isInsecure} answers synchronously from that cache.
 */
export class InsecureRegistries {
  private readonly names = new Set<string>();
  private readonly cidrs: Cidr[] = [];
  /** Look-ups in flight or done, by `host[:port]`; a failed one is dropped. */
  private readonly resolved = new Map<string, Promise<boolean>>();
  /** Settled answers of {@link check}, for {@link isInsecure}. */
  private readonly known = new Map<string, boolean>();

  constructor(
    entries: readonly string[] = [],
    private readonly resolve: HostResolver = systemResolver,
  ) {
    for (const raw of entries) {
      const e = stripScheme(raw);
      if (e === '') continue;
      const cidr = e.includes('/') ? parseCidr(e, raw) : undefined;
      if (cidr) {
        if (!this.cidrs.some((c) => c.text === cidr.text)) this.cidrs.push(cidr);
      } else {
        this.names.add(e.toLowerCase());
      }
    }
    const loop = parseCidr(LOOPBACK_CIDR, LOOPBACK_CIDR)!;
    if (!this.cidrs.some((c) => c.text === loop.text)) this.cidrs.push(loop);
  }

  /**
   * Whether `hostport` (a registry host as in a reference) may be used without verified TLS and
   * over plain HTTP. Looks the host up (dockerd's rule: any resolved address in an insecure CIDR)
   * and remembers the answer for the daemon's lifetime; a failed look-up leaves the decision to
   * the name and a literal IP, as in dockerd, and is not remembered (the next pull asks again).
   */
  check(hostport: string): Promise<boolean> {
    const key = hostport.toLowerCase();
    const literal = this.literalDecision(key);
    if (literal !== undefined) return Promise.resolve(literal);
    let p = this.resolved.get(key);
    if (!p) {
      const { host } = splitHostPort(key);
      p = this.resolve(host).then((addrs) => {
        const insecure = addrs.some((a) => this.inCidrs(a));
        this.known.set(key, insecure);
        return insecure;
      });
      this.resolved.set(key, p);
      p.catch(() => this.resolved.delete(key));
    }
    return p.catch(() => false);
  }

  /**
   * The synchronous answer: by name, literal IP, or a host {@link check} already resolved.
   * Sessions call `check` when they ping, before any request picks its dispatcher.
   */
  isInsecure(hostport: string): boolean {
    const key = hostport.toLowerCase();
    return this.literalDecision(key) ?? this.known.get(key) ?? false;
  }

  /** `/info`'s RegistryConfig for these entries, field for field as dockerd 20.10 fills it. */
  serviceConfig(): RegistryServiceConfig {
    const index = (name: string, secure: boolean, official: boolean) => ({ Name: name, Mirrors: [], Secure: secure, Official: official });
    const entries = [...this.names].map((n) => index(n, false, false));
    entries.push(index('docker.io', true, true));
    // Go's encoding/json writes map keys sorted; so do we, for byte-identical /info bodies.
    const IndexConfigs = Object.fromEntries(entries.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)).map((e) => [e.Name, e]));
    return {
      AllowNondistributableArtifactsCIDRs: [],
      AllowNondistributableArtifactsHostnames: [],
      InsecureRegistryCIDRs: this.cidrs.map((c) => c.text),
      IndexConfigs,
      Mirrors: [],
    } as RegistryServiceConfig;
  }

  /** The answer that needs no look-up, or undefined when the host is a name to resolve. */
  private literalDecision(key: string): boolean | undefined {
    // Docker Hub is a configured secure index in dockerd, whatever its name resolves to.
    if (key === DOCKER_HUB_HOST || key === 'docker.io') return false;
    if (this.names.has(key)) return true;
    const { host } = splitHostPort(key);
    if (host === '::1') return true;
    if (net.isIP(host) !== 0) return this.inCidrs(host);
    return undefined;
  }

  private inCidrs(addr: string): boolean {
    const family = net.isIPv4(addr) ? 'ipv4' : net.isIPv6(addr) ? 'ipv6' : undefined;
    if (!family) return false;
    if (addr === '::1') return true;
    return this.cidrs.some((c) => c.family === family && c.block.check(addr, family));
  }
}

/** dockerd accepts (and warns about) an `http://` or `https://` prefix; any other scheme is refused. */
function stripScheme(raw: string): string {
  const e = raw.trim().replace(/^https?:\/\//i, '');
  if (e.includes('://')) throw invalidArgument(`insecure registry ${raw} should not contain '://'`);
  return e.replace(/\/+$/, '');
}

function parseCidr(e: string, raw: string): Cidr | undefined {
  const slash = e.indexOf('/');
  const ip = e.slice(0, slash);
  const bitsText = e.slice(slash + 1);
  const family = net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : undefined;
  const bits = /^\d+$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (!family || !Number.isInteger(bits) || bits > (family === 'ipv4' ? 32 : 128)) {
    throw invalidArgument(`insecure registry ${raw} is not valid: invalid CIDR`);
  }
  const network = maskAddress(ip, family, bits);
  const block = new net.BlockList();
  block.addSubnet(network, bits, family);
  return { text: `${network}/${bits}`, family, block };
}

/** The network address of `ip/bits` in canonical text (Go prints the masked network). */
function maskAddress(ip: string, family: 'ipv4' | 'ipv6', bits: number): string {
  const sock = new net.SocketAddress({ address: ip, family });
  const bytes = family === 'ipv4' ? Buffer.from(sock.address.split('.').map(Number)) : ipv6Bytes(sock.address);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  if (family === 'ipv4') return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // SocketAddress canonicalises (zero compression) the way Go's net.IP.String() does.
  return new net.SocketAddress({ address: groups.join(':'), family }).address;
}

function ipv6Bytes(addr: string): Buffer {
  // An embedded IPv4 tail (`::ffff:10.0.0.1`) is two groups.
  const v4 = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
  const text = v4 ? `${v4[1]}${((+v4[2]! << 8) | +v4[3]!).toString(16)}:${((+v4[4]! << 8) | +v4[5]!).toString(16)}` : addr;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) b.writeUInt16BE(Number.parseInt(groups[i] ?? '0', 16), i * 2);
  return b;
}
