/**
 * What the host already uses, so a new bridge subnet collides with nothing: the prefixes of its
 * IPv4 routes and addresses, and its resolvers (a subnet covering the resolver would cut the
 * host's own DNS off). Also the daemon's tag, which keeps several daemons' objects apart.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Cidr, parseCidrLoose, parseIPv4 } from '../../core/network/ipv4.js';
import { sha256 } from '../../lib/digest.js';
import { listAddresses, listRoutes } from './ip-command.js';

/**
 * Prefixes in use on the host: routes (not the default one), addresses, resolvers; routes and
 * addresses of the interfaces in `ignore` (the engine's own bridges) do not count.
 */
export async function hostTakenPrefixes(ignore: readonly string[] = [], resolvConf = '/etc/resolv.conf'): Promise<Cidr[]> {
  const out: Cidr[] = [];
  for (const r of await listRoutes()) {
    if (r.dst === 'default' || (r.dev && ignore.includes(r.dev))) continue;
    const p = parseCidrLoose(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    if (p) out.push(p.net);
  }
  for (const link of await listAddresses()) {
    if (ignore.includes(link.ifname)) continue;
    for (const a of link.addr_info ?? []) {
      const p = a.family === 'inet' ? parseCidrLoose(`${a.local}/${a.prefixlen}`) : undefined;
      if (p) out.push(p.net);
    }
  }
  const text = await fs.readFile(resolvConf, 'utf8').catch(() => '');
  for (const m of text.matchAll(/^\s*nameserver\s+(\S+)/gm)) {
    const ip = parseIPv4(m[1]!);
    if (ip !== undefined) out.push({ base: ip, prefix: 32 });
  }
  return out;
}

/**
 * A short tag unique to a daemon's data root (6 hex of its sha256): part of every chain and
 * namespace name the daemon creates, so test daemons side by side never share one.
 */
export function netTag(dataRoot: string): string {
  return sha256(path.resolve(dataRoot)).slice('sha256:'.length, 'sha256:'.length + 6);
}

/** The default bridge's interface name: `wharf0` for the standard data root, else `wh-<tag>`. */
export function defaultBridgeName(dataRoot: string): string {
  return path.resolve(dataRoot) === '/var/lib/wharf' ? 'wharf0' : `wh-${netTag(dataRoot)}`;
}
