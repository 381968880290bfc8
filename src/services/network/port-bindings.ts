/**
 * Published ports: validation of `HostConfig.PortBindings` (moby verifyContainerSettings, with
 * its messages) and the list of bindings a start must program, including `-P`
 * (PublishAllPorts: every exposed port not bound explicitly gets a random host port).
 */
import { parseIPv4 } from '../../core/network/ipv4.js';
import { invalidArgument } from '../../errdefs/index.js';
import type { ContainerConfig, HostConfig, PortBinding } from '../../spec/engine/types.js';

/** One binding to program; `hostPorts` is [0, 0] for "any free port". */
export interface RequestedPort {
  proto: 'tcp' | 'udp';
  containerPort: number;
  hostIp: string;
  hostPorts: [number, number];
}

/** moby nat.SplitProtoPort: `80/tcp` → ['tcp', '80']; no protocol means tcp. */
function splitProtoPort(s: string): [string, string] {
  const i = s.indexOf('/');
  if (i < 0) return ['tcp', s];
  return [s.slice(i + 1) || 'tcp', s.slice(0, i)];
}

/** moby nat.ParsePortRange: `80` or `8000-8010` → [start, end]; undefined when invalid. */
export function parsePortRange(s: string): [number, number] | undefined {
  if (s === '') return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}

function checkProto(proto: string): 'tcp' | 'udp' {
  const p = proto.toLowerCase();
  if (p === 'tcp' || p === 'udp') return p;
  if (p === 'sctp') throw invalidArgument('sctp port publishing is not supported by this engine (tcp and udp are)');
  throw invalidArgument(`invalid proto: ${proto}`);
}

/**
 * Checks PortBindings as dockerd does at create: container ports and host ports must parse
 * (`invalid port specification: "X"`), host IPs must be IPv4 addresses.
 */
export function validatePortBindings(h: HostConfig): void {
  for (const [key, bindings] of Object.entries(h.PortBindings ?? {})) {
    const [proto, port] = splitProtoPort(key);
    if (!parsePortRange(port)) throw invalidArgument(`invalid port specification: "${port}"`);
    checkProto(proto);
    for (const b of (bindings ?? []) as PortBinding[]) {
      const hp = b.HostPort ?? '';
      if (hp !== '' && !parsePortRange(splitProtoPort(hp)[1])) throw invalidArgument(`invalid port specification: "${hp}"`);
      const ip = b.HostIp ?? '';
      if (ip !== '' && parseIPv4(ip) === undefined) {
        throw invalidArgument(ip.includes(':') ? `IPv6 host address ${ip} is not supported by this engine (it has no IPv6 networking)` : `invalid IP address: ${ip}`);
      }
    }
  }
}

/**
 * The bindings a start programs, in port order: explicit ones, then with PublishAllPorts every
 * other exposed port on a random host port of every address.
 */
export function requestedPorts(c: ContainerConfig, h: HostConfig): RequestedPort[] {
  const out: RequestedPort[] = [];
  const bound = new Set<string>();
  for (const [key, bindings] of Object.entries(h.PortBindings ?? {})) {
    const [proto, port] = splitProtoPort(key);
    const p = checkProto(proto);
    const [cStart] = parsePortRange(port) ?? [0];
    bound.add(`${cStart}/${p}`);
    const list = (bindings ?? []) as PortBinding[];
    for (const b of list.length ? list : [{}]) {
      const hp = b.HostPort ? (parsePortRange(splitProtoPort(b.HostPort)[1]) ?? [0, 0]) : ([0, 0] as [number, number]);
      out.push({ proto: p, containerPort: cStart, hostIp: b.HostIp || '0.0.0.0', hostPorts: hp });
    }
  }
  if (h.PublishAllPorts) {
    for (const key of Object.keys(c.ExposedPorts ?? {})) {
      const [proto, port] = splitProtoPort(key);
      const p = checkProto(proto);
      const range = parsePortRange(port);
      if (!range || bound.has(`${range[0]}/${p}`)) continue;
      out.push({ proto: p, containerPort: range[0], hostIp: '0.0.0.0', hostPorts: [0, 0] });
    }
  }
  return out.sort((a, b) => a.containerPort - b.containerPort || a.proto.localeCompare(b.proto));
}
