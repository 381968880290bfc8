/**
 * The address bookkeeping of one network (libnetwork's default IPAM for one pool): the network
 * address, the broadcast address and the gateway are never handed out; dynamic addresses come
 * from the IP range (the whole subnet by default), lowest free first, as Docker hands them out;
 * a static address (`--ip`) may be anywhere in the subnet. In memory only: the engine rebuilds
 * it from its persisted endpoints at start-up (see the network service).
 */
import { forbidden, internal, invalidArgument, unavailable } from '../../errdefs/index.js';
import { type Cidr, cidrContains, formatIPv4, parseIPv4, sizeOf } from './ipv4.js';

export class AddressPool {
  private readonly used = new Set<number>();

  /**
   * @param subnet the network's subnet
   * @param gateway the bridge's own address (reserved)
   * @param range where dynamic addresses come from (within the subnet)
   */
  constructor(
    readonly subnet: Cidr,
    readonly gateway: number,
    readonly range: Cidr = subnet,
  ) {}

  private reservedByNetwork(ip: number): boolean {
    if (ip === this.gateway) return true;
    if (this.subnet.prefix >= 31) return false;
    return ip === this.subnet.base || ip === this.subnet.base + sizeOf(this.subnet) - 1;
  }

  /** Whether `ip` is taken (by an endpoint or the network itself). */
  inUse(ip: number): boolean {
    return this.used.has(ip) || this.reservedByNetwork(ip);
  }

  /**
   * Takes an address: the `requested` one (InvalidArgument when malformed; Internal when outside
   * the subnet and Forbidden `Address already in use` when taken — dockerd's 500 and 403 for
   * libnetwork's errors) or the lowest free one in the range (Unavailable when it is exhausted).
   */
  allocate(requested?: string): string {
    if (requested) {
      const ip = parseIPv4(requested);
      if (ip === undefined) throw invalidArgument(`invalid IPv4 address: ${requested}`);
      if (!cidrContains(this.subnet, ip)) throw internal(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
      if (this.inUse(ip)) throw forbidden('Address already in use');
      this.used.add(ip);
      return requested;
    }
    const first = this.range.base;
    const last = this.range.base + sizeOf(this.range) - 1;
    for (let ip = first; ip <= last; ip++) {
      if (!this.inUse(ip)) {
        this.used.add(ip);
        return formatIPv4(ip);
      }
    }
    throw unavailable(`no available IPv4 addresses on this network's address pools`);
  }

  /** Marks an address in use again (restoring endpoints at start-up); false when it was taken. */
  claim(ip: string): boolean {
    const n = parseIPv4(ip);
    if (n === undefined || this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  /** Gives an address back; unknown addresses are ignored. */
  release(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.delete(n);
  }

  /** Addresses handed out (for tests and diagnostics). */
  get size(): number {
    return this.used.size;
  }
}
