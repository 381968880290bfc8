/**
 * The networks every daemon has (Docker's predefined three) and the default bridge's subnet:
 * `--bip` when given, else the one chosen at an earlier start, else the first pool subnet no
 * host route, address or resolver overlaps. A subnet another interface turns out to share
 * (two daemons starting at the same instant) is given up for the next free one.
 */
import {
  type Cidr,
  cidrOverlaps,
  defaultPoolCandidates,
  formatCidr,
  formatIPv4,
  parseCidrLoose,
  parseSubnet,
  pickFreeSubnet,
} from '../../core/network/ipv4.js';
import type { NetworkRecord } from '../../core/network/network.js';
import { invalidArgument, unavailable } from '../../errdefs/index.js';
import { engineSubnets, randomId } from './network-create.js';
import type { NetworkState } from './network-state.js';

/** The default bridge's settings from the daemon's flags. */
export interface DefaultBridgeConfig {
  /** Interface name (`--bridge-name`). */
  name: string;
  /** `--bip`: the bridge's address with its prefix length, e.g. `10.200.0.1/24`. */
  bip?: string;
}

function builtin(name: 'host' | 'none', created: string): NetworkRecord {
  return {
    id: randomId(),
    name,
    driver: name === 'host' ? 'host' : 'null',
    created,
    internal: false,
    attachable: false,
    kind: 'builtin',
    labels: {},
    options: {},
    ipamOptions: null,
    ipamConfig: [],
  };
}

function defaultBridgeRecord(id: string, created: string, name: string, subnet: Cidr, gateway: number): NetworkRecord {
  return {
    id,
    name: 'bridge',
    driver: 'bridge',
    created,
    internal: false,
    attachable: false,
    kind: 'default',
    labels: {},
    options: {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': name,
      'com.docker.network.driver.mtu': '1500',
    },
    ipamOptions: null,
    ipamConfig: [{ Subnet: formatCidr(subnet), Gateway: formatIPv4(gateway) }],
    bridge: { name, subnet: formatCidr(subnet), gateway: formatIPv4(gateway) },
  };
}

/** `--bip` parsed: the gateway address and its network. */
function parseBip(bip: string): { subnet: Cidr; gateway: number } {
  const p = parseCidrLoose(bip);
  if (!p || p.ip === p.net.base) throw invalidArgument(`invalid --bip ${bip}: want the bridge's address with a prefix length, e.g. 10.200.0.1/24`);
  return { subnet: p.net, gateway: p.ip };
}

/** Chooses the default bridge's subnet (see the module comment); `avoid` adds prefixes found taken. */
async function chooseSubnet(state: NetworkState, cfg: DefaultBridgeConfig, old: NetworkRecord | undefined, avoid: Cidr[]): Promise<{ subnet: Cidr; gateway: number }> {
  if (cfg.bip) return parseBip(cfg.bip);
  const others = [...state.networks.values()].filter((n) => n.kind === 'custom');
  const taken = [...(await state.deps.hostTaken([cfg.name])), ...engineSubnets(others), ...avoid];
  if (old?.bridge) {
    const subnet = parseSubnet(old.bridge.subnet);
    if (!taken.some((t) => cidrOverlaps(t, subnet))) return { subnet, gateway: parseCidrLoose(`${old.bridge.gateway}/32`)!.ip };
  }
  const subnet = pickFreeSubnet(defaultPoolCandidates(), taken, state.deps.poolStart);
  if (!subnet) throw unavailable('no free subnet for the default bridge: pass --bip');
  return { subnet, gateway: subnet.base + 1 };
}

/** How many subnets the default bridge tries before it asks for `--bip`. */
const DEFAULT_BRIDGE_TRIES = 10;

/** Whether another interface routes a prefix overlapping `subnet`. */
async function sharedWithOthers(state: NetworkState, bridge: string, subnet: Cidr): Promise<boolean> {
  return (await state.deps.hostTaken([bridge])).some((t) => t.prefix > 0 && cidrOverlaps(t, subnet));
}

/**
 * Loads the persisted networks, adds the predefined ones missing, settles the default bridge
 * (creating its interface) and returns it. Persists what changed.
 */
export async function bootstrapNetworks(state: NetworkState, cfg: DefaultBridgeConfig, now: () => string): Promise<void> {
  for (const n of state.deps.store.list()) state.track(n);
  for (const name of ['none', 'host'] as const) {
    if (!state.tryFind(name)) {
      const rec = builtin(name, now());
      await state.deps.store.save(rec);
      state.track(rec);
    }
  }
  const avoid: Cidr[] = [];
  // Daemons starting at once on one host can pick the same free subnet; each then moves on to
  // the next. Three tries ran out with three test daemons starting together and two left over.
  for (let attempt = 0; attempt < DEFAULT_BRIDGE_TRIES; attempt++) {
    const old = state.defaultBridge();
    const { subnet, gateway } = await chooseSubnet(state, cfg, old, avoid);
    const rec = defaultBridgeRecord(old?.id ?? randomId(), old?.created ?? now(), cfg.name, subnet, gateway);
    // A renamed bridge leaves the old interface behind unless removed (its address moves).
    if (old?.bridge && old.bridge.name !== cfg.name) await state.deps.driver.removeNetwork(old);
    if (JSON.stringify(old) !== JSON.stringify(rec)) await state.deps.store.save(rec);
    state.track(rec);
    await state.deps.driver.ensureNetwork(rec);
    if (cfg.bip || !(await sharedWithOthers(state, cfg.name, subnet))) return;
    state.log.warn('the default bridge subnet is used by another interface; choosing another', { subnet: formatCidr(subnet) });
    avoid.push(subnet);
  }
  throw unavailable('no free subnet for the default bridge: pass --bip');
}
