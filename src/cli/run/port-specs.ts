/**
 * `-p/--publish` and `--expose` parsing as go-connections/nat does it: `[ip:][hostPort:]port[/proto]`
 * with ranges, and the long form `published=8080,target=80,protocol=udp`.
 */
import { ipVersion as isIP } from './ip-address.js';
import { goParseInt } from './go-parse.js';

/** A host binding of a container port (wire key order: HostIp, HostPort). */
export interface PortBindingSpec {
  HostIp: string;
  HostPort: string;
}

export interface ParsedPorts {
  /** `80/tcp` keys, in first-seen order (the wire sorts map keys anyway). */
  exposed: Set<string>;
  bindings: Map<string, PortBindingSpec[]>;
}

/** nat.ParsePortRange: `80` or `8000-8010` (uint16). */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = goParseInt(ports, 10, 16, 'ParseUint');
    return [p, p];
  }
  const parts = ports.split('-');
  const start = goParseInt(parts[0], 10, 16, 'ParseUint');
  const end = goParseInt(parts[1], 10, 16, 'ParseUint');
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** nat.SplitProtoPort: `[proto, port]`, tcp by default. */
export function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw.length === 0 || parts[0].length === 0) return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1].length === 0) return ['tcp', parts[0]];
  return [parts[1], parts[0]];
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1];
  if (n === 1) return ['', '', containerPort];
  if (n === 2) return ['', parts[0], containerPort];
  if (n === 3) return [parts[0], parts[1], containerPort];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2], containerPort];
}

const tryRange = (s: string, what: string): [number, number] => {
  try {
    return parsePortRange(s);
  } catch {
    throw new Error(`invalid ${what}: ${s}`);
  }
};

/** nat.ParsePortSpec: one spec to its port keys and bindings. */
export function parsePortSpec(raw: string): Array<{ port: string; binding: PortBindingSpec }> {
  let [ip, hostPort, containerPort] = splitParts(raw);
  const [proto, cport] = splitProtoPort(containerPort);
  containerPort = cport;
  if (ip.startsWith('[')) {
    const m = /^\[([^\]]*)\]$/.exec(ip);
    if (!m) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing port in address`);
    ip = m[1];
  }
  if (ip !== '' && isIP(ip) === 0) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  const [start, end] = tryRange(containerPort, 'containerPort');
  let [hostStart, hostEnd] = [0, 0];
  if (hostPort.length > 0) [hostStart, hostEnd] = tryRange(hostPort, 'hostPort');
  if (hostPort !== '' && end - start !== hostEnd - hostStart && end !== start) {
    throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw new Error(`invalid proto: ${proto}`);
  const out: Array<{ port: string; binding: PortBindingSpec }> = [];
  for (let i = 0; i <= end - start; i++) {
    let hp = hostPort.length > 0 ? String(hostStart + i) : hostPort;
    if (start === end && hostStart !== hostEnd) hp = `${hp}-${hostEnd}`;
    out.push({ port: `${start + i}/${proto.toLowerCase()}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}

/** The CLI's convertToStandardNotation: `published=8080,target=80` → `8080:80/tcp`. */
function standardNotation(spec: string): string {
  if (!spec.includes('=')) return spec;
  const params: Record<string, string> = { protocol: 'tcp' };
  for (const param of spec.split(',')) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new Error(`invalid publish opts format (should be name=value but got '${param}')`);
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ''}:${params.target ?? ''}/${params.protocol}`;
}

/** nat.ParsePortSpecs over all `-p` values, plus the `--expose` ports. */
export function parsePorts(publish: readonly string[], expose: readonly string[]): ParsedPorts {
  const exposed = new Set<string>();
  const bindings = new Map<string, PortBindingSpec[]>();
  for (const spec of publish.map(standardNotation)) {
    for (const { port, binding } of parsePortSpec(spec)) {
      exposed.add(port);
      bindings.set(port, [...(bindings.get(port) ?? []), binding]);
    }
  }
  for (const e of expose) {
    const [proto, port] = splitProtoPort(e);
    let range: [number, number];
    try {
      range = parsePortRange(port);
    } catch (err) {
      throw new Error(`invalid range format for --expose: ${(err as Error).message}`);
    }
    for (let p = range[0]; p <= range[1]; p++) exposed.add(`${p}/${proto}`);
  }
  return { exposed, bindings };
}
