/**
 * `POST /networks/create` validation and the record it makes: driver, name, IPAM pool (the
 * user's, checked against the engine's other networks with libnetwork's messages, or the first
 * free pool subnet), bridge name, options and labels.
 */
import { randomBytes } from 'node:crypto';
import {
  type Cidr,
  cidrContains,
  cidrOverlaps,
  cidrWithin,
  defaultPoolCandidates,
  formatCidr,
  formatIPv4,
  parseCidrLoose,
  parseIPv4,
  parseSubnet,
  pickFreeSubnet,
} from '../../core/network/ipv4.js';
import type { IpamPoolConfig, NetworkRecord } from '../../core/network/network.js';
import { conflict, forbidden, internal, invalidArgument, notFound, unavailable } from '../../errdefs/index.js';

/** The create request body (moby types.NetworkCreateRequest). */
export interface NetworkCreateRequest {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: IpamPoolConfig[] | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** What a create checks against. */
export interface CreateContext {
  existing: readonly NetworkRecord[];
  /** Prefixes the host uses (for an automatic subnet only, as Docker). */
  hostTaken: readonly Cidr[];
  /** Index of the pool candidate to try first. */
  poolStart: number;
  created: string;
}

/** Option naming a user network's bridge interface (Docker's). */
export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

export function randomId(): string {
  return randomBytes(32).toString('hex');
}

/** The engine's subnets (every bridge network's). */
export function engineSubnets(nets: readonly NetworkRecord[]): Cidr[] {
  return nets.filter((n) => n.bridge).map((n) => parseSubnet(n.bridge!.subnet));
}

/** `--subnet` parsed; dockerd 20.10 answers a malformed one with a 500 and this wording. */
function userSubnet(s: string): Cidr {
  if (!parseCidrLoose(s)) throw internal(`Invalid subnet ${s} : invalid CIDR address: ${s}`);
  return parseSubnet(s);
}

/**
 * The user's pool, checked (the first IPv4 one; IPv6 pools are refused). Statuses and wording
 * are dockerd 20.10's (libnetwork's IPAM errors are 500s), except for an `--ip-range` outside
 * the subnet, which 20.10 accepts and then never uses: refused here with newer Docker's message.
 */
function userPool(cfg: IpamPoolConfig, existing: readonly NetworkRecord[]): { subnet: Cidr; gateway: number; range?: Cidr } {
  const subnet = userSubnet(cfg.Subnet!);
  if (engineSubnets(existing).some((s) => cidrOverlaps(s, subnet))) throw forbidden('Pool overlaps with other one on this address space');
  let range: Cidr | undefined;
  if (cfg.IPRange) {
    if (!parseCidrLoose(cfg.IPRange)) {
      throw internal(`failed to parse pool request for address space "LocalDefault" pool "${cfg.Subnet}" subpool "${cfg.IPRange}": Invalid Address SubPool`);
    }
    range = parseSubnet(cfg.IPRange);
    if (!cidrWithin(range, subnet)) throw invalidArgument(`no matching subnet for range ${cfg.IPRange}`);
  }
  let gateway = subnet.base + 1;
  if (cfg.Gateway) {
    const gw = parseIPv4(cfg.Gateway);
    if (gw === undefined) throw internal(`invalid gateway address ${cfg.Gateway} in Ipam configuration`);
    if (!cidrContains(subnet, gw)) throw internal(`failed to allocate gateway (${cfg.Gateway}): Requested address is out of range`);
    gateway = gw;
  }
  return range ? { subnet, gateway, range } : { subnet, gateway };
}

function checkDriver(req: NetworkCreateRequest): void {
  const d = req.Driver || 'bridge';
  if (d === 'host' || d === 'null') throw forbidden(`only one instance of "${d === 'null' ? 'null' : 'host'}" network is allowed`);
  if (d !== 'bridge') throw notFound(`plugin "${d}" not found`);
  if (req.EnableIPv6) throw invalidArgument('IPv6 networks are not supported by this engine (it has no IPv6 networking)');
  if (req.IPAM?.Driver && req.IPAM.Driver !== 'default') throw notFound(`plugin "${req.IPAM.Driver}" not found`);
}

/** Checks the request and makes the record (not yet persisted nor created on the host). */
export function buildNetworkRecord(req: NetworkCreateRequest, ctx: CreateContext): NetworkRecord {
  const name = req.Name ?? '';
  if (!name) throw invalidArgument('network name must not be empty');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalidArgument(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  checkDriver(req);
  if (ctx.existing.some((n) => n.name === name)) throw conflict(`network with name ${name} already exists`);
  const pools = (req.IPAM?.Config ?? []).filter((p) => p.Subnet || p.Gateway || p.IPRange);
  if (pools.some((p) => (p.Subnet ?? '').includes(':'))) throw invalidArgument('IPv6 networks are not supported by this engine (it has no IPv6 networking)');
  if (pools.length > 1) throw invalidArgument('only one IPv4 pool per network is supported by this engine');
  if (pools[0] && !pools[0].Subnet) throw invalidArgument('a gateway or an IP range needs a subnet (--subnet)');
  const id = randomId();
  let pool: { subnet: Cidr; gateway: number; range?: Cidr };
  let ipamConfig: IpamPoolConfig[];
  if (pools[0]) {
    pool = userPool(pools[0], ctx.existing);
    ipamConfig = [pools[0]];
  } else {
    const taken = [...ctx.hostTaken, ...engineSubnets(ctx.existing)];
    const subnet = pickFreeSubnet(defaultPoolCandidates(), taken, ctx.poolStart);
    if (!subnet) throw unavailable('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    pool = { subnet, gateway: subnet.base + 1 };
    ipamConfig = [{ Subnet: formatCidr(subnet), Gateway: formatIPv4(pool.gateway) }];
  }
  const options = req.Options ?? {};
  const bridgeName = options[BRIDGE_NAME_OPTION] || `br-${id.slice(0, 12)}`;
  if (bridgeName.length > 15 || !/^[a-zA-Z0-9_.-]+$/.test(bridgeName)) throw invalidArgument(`invalid bridge name ${bridgeName}`);
  if (ctx.existing.some((n) => n.bridge?.name === bridgeName)) throw conflict(`bridge name ${bridgeName} is already used by another network`);
  return {
    id,
    name,
    driver: 'bridge',
    created: ctx.created,
    internal: req.Internal === true,
    attachable: req.Attachable === true,
    kind: 'custom',
    labels: req.Labels ?? {},
    options,
    ipamOptions: req.IPAM?.Options ?? {},
    ipamConfig,
    bridge: {
      name: bridgeName,
      subnet: formatCidr(pool.subnet),
      gateway: formatIPv4(pool.gateway),
      ...(pool.range ? { ipRange: formatCidr(pool.range) } : {}),
    },
  };
}
