/**
 * The engine's iptables rules as `iptables-restore` input, built from the desired state. All of
 * them live in five chains of our own (names carry the daemon's tag, so several daemons on one
 * host never share a chain); declaring a chain in a `--noflush` restore empties it, so each
 * apply replaces exactly our rules, atomically, and never touches anyone else's chain.
 *
 * filter, jumped to first from FORWARD (ACCEPTs, so a FORWARD policy of DROP and other engines'
 * chains do not matter for our bridges):
 *   isolation jumps (traffic from one of our bridges to another → the ISO chain, which drops it)
 *   per network: replies in, same-bridge traffic, outbound (internal networks: bridge-local only)
 *   per published port: new connections to the container's port
 * nat, PREROUTING and OUTPUT (local destination addresses, loopback included) → DNAT chain:
 *   per bridge: RETURN for traffic coming from the bridge itself (containers use the proxy)
 *   RETURN for TCP to 127.0.0.0/8 (the userland proxy serves it, see below)
 *   per published port: DNAT to the container
 * nat, POSTROUTING → MASQ chain: MASQUERADE of each non-internal subnet leaving its bridge, and
 *   SNAT to the bridge's address of loopback-sourced connections (DNATed `127.0.0.1:port`).
 * raw, PREROUTING → RAW chain: drop packets from a bridge addressed to 127.0.0.0/8.
 *
 * Loopback: TCP to 127.0.0.1:port goes to the userland proxy listening there, as with Docker's
 * docker-proxy: wharf-proxy (native/proxy, splice) moved 1 MB GETs faster than DNAT through
 * the bridge did (bench/README.md, network). UDP to 127.0.0.1:port is DNATed in OUTPUT like any
 * local address, which needs `route_localnet` on our bridges (set by the driver) so
 * 127.0.0.1-sourced packets may leave through them; the SNAT above rewrites that source to the
 * bridge's address. `route_localnet` alone would also let a container address the host's
 * loopback services through the bridge — the RAW chain drops exactly those packets, before
 * routing.
 */
import type { FirewallState } from '../../core/network/network.js';

/** The chain names of one daemon. */
export interface ChainNames {
  forward: string;
  isolation: string;
  dnat: string;
  masquerade: string;
  raw: string;
}

/** Chain names for a daemon tag (≤ 28 chars each, iptables' limit). */
export function chainNames(tag: string): ChainNames {
  return {
    forward: `WHARF-FWD-${tag}`,
    isolation: `WHARF-ISO-${tag}`,
    dnat: `WHARF-DNAT-${tag}`,
    masquerade: `WHARF-MASQ-${tag}`,
    raw: `WHARF-RAW-${tag}`,
  };
}

/** A jump from a built-in chain to one of ours: table, built-in chain, match, target. */
export interface Jump {
  table: 'filter' | 'nat' | 'raw';
  chain: string;
  rule: string[];
}

/** The jumps that route traffic into our chains (inserted once, first in their chains). */
export function jumps(c: ChainNames): Jump[] {
  return [
    { table: 'filter', chain: 'FORWARD', rule: ['-j', c.forward] },
    { table: 'nat', chain: 'PREROUTING', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.dnat] },
    { table: 'nat', chain: 'OUTPUT', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.dnat] },
    { table: 'nat', chain: 'POSTROUTING', rule: ['-j', c.masquerade] },
    { table: 'raw', chain: 'PREROUTING', rule: ['-j', c.raw] },
  ];
}

function filterRules(c: ChainNames, s: FirewallState): string[] {
  const out: string[] = [];
  for (const n of s.networks) out.push(`-A ${c.forward} -i ${n.bridge} ! -o ${n.bridge} -j ${c.isolation}`);
  for (const n of s.networks) out.push(`-A ${c.isolation} -o ${n.bridge} -j DROP`);
  for (const n of s.networks) {
    const b = n.bridge;
    out.push(`-A ${c.forward} -i ${b} -o ${b} -j ACCEPT`);
    if (n.internal) {
      // An internal network talks to nothing but itself.
      out.push(`-A ${c.forward} -i ${b} -j DROP`, `-A ${c.forward} -o ${b} -j DROP`);
      continue;
    }
    out.push(`-A ${c.forward} -o ${b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A ${c.forward} -i ${b} ! -o ${b} -j ACCEPT`);
  }
  for (const p of s.ports) {
    out.push(`-A ${c.forward} -d ${p.containerIp}/32 ! -i ${p.bridge} -o ${p.bridge} -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j ACCEPT`);
  }
  return out;
}

function natRules(c: ChainNames, s: FirewallState): string[] {
  const out: string[] = [];
  for (const n of s.networks) out.push(`-A ${c.dnat} -i ${n.bridge} -j RETURN`);
  // Loopback TCP reaches the userland proxy's listener (module comment).
  out.push(`-A ${c.dnat} -d 127.0.0.0/8 -p tcp -j RETURN`);
  for (const p of s.ports) {
    const dst = p.hostIp === '0.0.0.0' ? '' : `-d ${p.hostIp}/32 `;
    out.push(`-A ${c.dnat} ${dst}! -i ${p.bridge} -p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`);
  }
  for (const n of s.networks) {
    if (!n.internal) out.push(`-A ${c.masquerade} -s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`);
    // SNAT to the fixed gateway address: cheaper per connection than MASQUERADE's lookup.
    out.push(`-A ${c.masquerade} -s 127.0.0.0/8 -o ${n.bridge} -j SNAT --to-source ${n.gateway}`);
  }
  return out;
}

/** The whole rule set as `iptables-restore --noflush` input (declaring a chain empties it). */
export function restoreInput(c: ChainNames, s: FirewallState): string {
  return [
    '*filter',
    `:${c.forward} - [0:0]`,
    `:${c.isolation} - [0:0]`,
    ...filterRules(c, s),
    'COMMIT',
    '*nat',
    `:${c.dnat} - [0:0]`,
    `:${c.masquerade} - [0:0]`,
    ...natRules(c, s),
    'COMMIT',
    '*raw',
    `:${c.raw} - [0:0]`,
    ...s.networks.map((n) => `-A ${c.raw} -i ${n.bridge} -d 127.0.0.0/8 -j DROP`),
    'COMMIT',
    '',
  ].join('\n');
}

/** Input that empties and deletes our chains (after the jumps to them are gone). */
export function removalInput(c: ChainNames): string {
  return [
    '*filter',
    `:${c.forward} - [0:0]`,
    `:${c.isolation} - [0:0]`,
    `-X ${c.forward}`,
    `-X ${c.isolation}`,
    'COMMIT',
    '*nat',
    `:${c.dnat} - [0:0]`,
    `:${c.masquerade} - [0:0]`,
    `-X ${c.dnat}`,
    `-X ${c.masquerade}`,
    'COMMIT',
    '*raw',
    `:${c.raw} - [0:0]`,
    `-X ${c.raw}`,
    'COMMIT',
    '',
  ].join('\n');
}
