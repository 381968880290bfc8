/**
 * The bridge driver: Linux bridges, named network namespaces (`ip netns`), veth pairs and
 * iptables chains of our own, built with iproute2 and iptables (see ip-command.ts and
 * iptables-firewall.ts). Every name it creates carries the daemon's tag or a random id, so
 * daemons sharing a host never touch each other's objects.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { EndpointRecord, FirewallState, NetworkDriver, NetworkRecord, SandboxRecord } from '../../core/network/network.js';
import { ALREADY_GONE, addressesOf, getLink, ipBatch, linksOf, listNetns } from './ip-command.js';
import { IptablesFirewall } from './iptables-firewall.js';

export interface BridgeDriverOptions {
  /** The daemon's tag (see netTag): part of chain names and of the namespaces' prefix. */
  tag: string;
}

/** A random locally administered unicast MAC. */
function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export class BridgeDriver implements NetworkDriver {
  readonly firewall: IptablesFirewall;
  /** Prefix of every namespace this daemon names (`ip netns`). */
  readonly netnsPrefix: string;
  private forwardingOn = false;

  constructor(opts: BridgeDriverOptions) {
    this.firewall = new IptablesFirewall(opts.tag);
    this.netnsPrefix = `wh-${opts.tag}-`;
  }

  /** Namespace name for a container. */
  netnsName(containerId: string): string {
    return `${this.netnsPrefix}${containerId.slice(0, 12)}`;
  }

  async ensureNetwork(net: NetworkRecord): Promise<void> {
    const br = net.bridge;
    if (!br) return;
    await this.enableForwarding();
    const [, len] = br.subnet.split('/');
    const lines: string[] = [];
    if (!(await getLink(br.name))) {
      // A fixed MAC: a bridge without one takes its ports' lowest MAC, which changes as
      // containers come and go and makes neighbours' ARP caches stale.
      lines.push(`link add ${br.name} type bridge`, `link set ${br.name} address ${randomMac()}`);
    } else {
      // An address from an earlier configuration (another --bip) would keep routing its subnet here.
      for (const a of await addressesOf(br.name)) if (a !== `${br.gateway}/${len}`) lines.push(`addr del ${a} dev ${br.name}`);
    }
    // `replace` is idempotent: the address is there after this whether it was or not.
    lines.push(`addr replace ${br.gateway}/${len} dev ${br.name}`, `link set ${br.name} up`);
    await ipBatch(lines);
    // DNATed 127.0.0.1:port connections leave through the bridge with a loopback source until
    // MASQUERADE rewrites it; the kernel allows that only with route_localnet on the bridge.
    // Packets from the bridge to 127.0.0.0/8 are dropped by our raw chain (firewall-rules.ts).
    await fs.writeFile(`/proc/sys/net/ipv4/conf/${br.name}/route_localnet`, '1');
  }

  /** Routing between the bridges and the host's interfaces (net.ipv4.ip_forward=1), once. */
  private async enableForwarding(): Promise<void> {
    if (this.forwardingOn) return;
    const file = '/proc/sys/net/ipv4/ip_forward';
    if ((await fs.readFile(file, 'utf8')).trim() !== '1') await fs.writeFile(file, '1');
    this.forwardingOn = true;
  }

  async removeNetwork(net: NetworkRecord): Promise<void> {
    if (net.bridge) await ipBatch([`link del ${net.bridge.name}`], { tolerate: ALREADY_GONE });
  }

  async createSandbox(sb: SandboxRecord, endpoints: ReadonlyArray<{ ep: EndpointRecord; net: NetworkRecord }>): Promise<void> {
    const ns = sb.netnsName;
    if (!ns) throw new TypeError('createSandbox needs a namespace name');
    // Two `ip` processes for the whole sandbox: the host side (namespace, veth pairs with the
    // container ends created inside it, bridge ports) and the namespace side (addresses, routes).
    try {
      await ipBatch([`netns add ${ns}`, ...endpoints.flatMap(({ ep, net }) => this.hostSide(ns, ep, net))]);
      await ipBatch(['link set lo up', ...endpoints.flatMap(({ ep }, i) => this.containerSide(ep, i === 0))], { netns: ns });
    } catch (err) {
      await this.removeSandbox(sb, { deleteLinks: true });
      throw err;
    }
  }

  /** Host-side lines for one endpoint. */
  private hostSide(netns: string, ep: EndpointRecord, net: NetworkRecord): string[] {
    if (!net.bridge) throw new TypeError(`network ${net.name} has no bridge`);
    // The container end is created inside the namespace, with its final name and MAC: it never
    // appears in the host's namespace under a name another container could clash with.
    return [`link add ${ep.hostIf} type veth peer name ${ep.ifname} address ${ep.mac} netns ${netns}`, `link set ${ep.hostIf} master ${net.bridge.name} up`];
  }

  /** Namespace-side lines for one endpoint. */
  private containerSide(ep: EndpointRecord, defaultRoute: boolean): string[] {
    return [
      `addr add ${ep.ip}/${ep.prefixLen} dev ${ep.ifname}`,
      `link set ${ep.ifname} up`,
      ...(defaultRoute ? [`route replace default via ${ep.gateway} dev ${ep.ifname}`] : []),
    ];
  }

  async removeSandbox(sb: SandboxRecord, opts: { deleteLinks?: boolean } = {}): Promise<void> {
    // Deleting a veth waits for the kernel's RCU grace periods (~15 ms each); a namespace that
    // no process holds any more takes its veths with it, asynchronously, at no cost to us.
    const lines = opts.deleteLinks ? sb.endpoints.map((ep) => `link del ${ep.hostIf}`) : [];
    if (sb.netnsName) lines.push(`netns del ${sb.netnsName}`);
    await ipBatch(lines, { tolerate: ALREADY_GONE });
  }

  async join(sb: SandboxRecord, ep: EndpointRecord, net: NetworkRecord, defaultRoute: boolean): Promise<void> {
    if (!sb.netnsName) throw new TypeError('join needs a named namespace');
    await ipBatch(this.hostSide(sb.netnsName, ep, net));
    try {
      await ipBatch(this.containerSide(ep, defaultRoute), { netns: sb.netnsName });
    } catch (err) {
      await this.leave(sb, ep);
      throw err;
    }
  }

  async leave(_sb: SandboxRecord, ep: EndpointRecord): Promise<void> {
    await ipBatch([`link del ${ep.hostIf}`], { tolerate: ALREADY_GONE });
  }

  programFirewall(state: FirewallState): Promise<void> {
    return this.firewall.apply(state);
  }

  async sweep(keep: { netnsNames: ReadonlySet<string>; hostIfs: ReadonlySet<string>; bridges: readonly string[] }): Promise<void> {
    const lines: string[] = [];
    for (const bridge of keep.bridges) {
      for (const l of await linksOf(bridge)) if (!keep.hostIfs.has(l.ifname)) lines.push(`link del ${l.ifname}`);
    }
    for (const ns of await listNetns()) {
      if (ns.startsWith(this.netnsPrefix) && !keep.netnsNames.has(ns)) lines.push(`netns del ${ns}`);
    }
    await ipBatch(lines, { tolerate: ALREADY_GONE });
  }

  removeFirewall(): Promise<void> {
    return this.firewall.remove();
  }
}
